#include "client/farm_channel.h"

namespace kiln {

std::shared_ptr<grpc::Channel> NewFarmChannel(const ClientChannelFactory& channels,
                                              std::chrono::milliseconds max_reconnect_backoff) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(-1);
  args.SetMaxSendMessageSize(-1);
  // gRPC servers refuse client pings more frequent than every 5 minutes on idle connections.
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 6 * 60'000);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 20'000);
  args.SetInt(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
  // On loopback or a LAN a failed connect costs next to nothing.
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 250);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 250);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, static_cast<int>(max_reconnect_backoff.count()));
  return channels.NewChannel(args);
}

}  // namespace kiln
