// The gRPC channel a `kiln worker` keeps to each of its frontends: no message size limit,
// keepalive pings so that a frontend that vanished is noticed, and reconnection attempts
// at least every 10 s so that one that came back is found again.
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "client/client_channel.h"

namespace kiln {

std::shared_ptr<grpc::Channel> NewFrontendChannel(const ClientChannelFactory& channels);

}  // namespace kiln
