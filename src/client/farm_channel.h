// The gRPC channel one kiln process keeps to another of its farm: a frontend to its storage
// node (kiln serve --cas) or to a frontend it relays live log reads to, a worker to each of
// its frontends. No message size limit (batch reads carry whole blobs, assignments whole
// Commands), keepalive pings so that a server that vanished without closing the connection
// is noticed, and reconnection attempts at most `max_reconnect_backoff` apart rather than
// gRPC's default of up to two minutes: every call of every client goes over a frontend's
// channel to its storage node, which must be found again within about a second after a
// restart (calls fail at once with UNAVAILABLE meanwhile).
#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <memory>

#include "client/client_channel.h"

namespace kiln {

std::shared_ptr<grpc::Channel> NewFarmChannel(const ClientChannelFactory& channels,
                                              std::chrono::milliseconds max_reconnect_backoff = std::chrono::seconds(1));

}  // namespace kiln
