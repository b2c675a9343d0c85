// The gRPC channel a frontend keeps to its storage node (kiln serve --cas): no message size
// limit, keepalive pings, and quick reconnection. Every blob and cache call of every client
// goes over it, so a storage node that restarts must be found again within about a second,
// not after gRPC's default backoff of up to two minutes; meanwhile calls fail at once with
// UNAVAILABLE rather than wait.
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>

#include "client/client_channel.h"

namespace kiln {

std::shared_ptr<grpc::Channel> NewStorageChannel(const ClientChannelFactory& channels);

}  // namespace kiln
