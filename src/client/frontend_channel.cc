#include "client/frontend_channel.h"

namespace kiln {

std::shared_ptr<grpc::Channel> NewFrontendChannel(const ClientChannelFactory& channels) {
  grpc::ChannelArguments args;
  // Assignments carry whole Commands, batch reads whole blobs: no artificial size limit.
  args.SetMaxReceiveMessageSize(-1);
  args.SetMaxSendMessageSize(-1);
  // Notice a frontend that vanished without closing the connection, and reconnect. gRPC
  // servers refuse client pings more frequent than every 5 minutes on idle connections.
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 6 * 60'000);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 20'000);
  args.SetInt(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
  // A frontend that comes back is connected to within the worker's own longest backoff, not
  // gRPC's default two minutes (calls fail at once while the channel waits to retry).
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 10'000);
  return channels.NewChannel(args);
}

}  // namespace kiln
