// The gRPC channel a `kiln worker` keeps to its frontend: no message size limit and
// keepalive pings, so that a frontend that vanished is noticed and reconnected to.
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "client/client_channel.h"

namespace kiln {

std::shared_ptr<grpc::Channel> NewFrontendChannel(const ClientChannelFactory& channels);

}  // namespace kiln
