// The gRPC channel a frontend keeps to another server of its farm: its storage node (kiln
// serve --cas), or a frontend it relays live log reads to. No message size limit, keepalive
// pings, and quick reconnection: every blob and cache call of every client goes over the
// storage node's, so a node that restarts must be found again within about a second, not
// after gRPC's default backoff of up to two minutes; meanwhile calls fail at once with
// UNAVAILABLE rather than wait.
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>

#include "client/client_channel.h"

namespace kiln {

std::shared_ptr<grpc::Channel> NewFarmChannel(const ClientChannelFactory& channels);

}  // namespace kiln
