#include "client/farm_channel.h"

namespace kiln {

std::shared_ptr<grpc::Channel> NewFarmChannel(const ClientChannelFactory& channels) {
  grpc::ChannelArguments args;
  // Batch reads carry whole blobs (up to the batch threshold) and results their inlined
  // outputs: no artificial size limit.
  args.SetMaxReceiveMessageSize(-1);
  args.SetMaxSendMessageSize(-1);
  // A storage node that vanished without closing the connection is noticed while calls
  // are in progress (gRPC servers refuse more frequent pings on idle connections).
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 6 * 60'000);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 20'000);
  args.SetInt(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
  // Reconnection attempts at most a second apart (on loopback or a LAN a failed connect
  // costs next to nothing), so that the frontend works again soon after the node is back.
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 250);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 250);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
  return channels.NewChannel(args);
}

}  // namespace kiln
