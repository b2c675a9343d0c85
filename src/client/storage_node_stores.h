// How one kiln process reaches the storage nodes of a ring: each node's CAS over a farm
// channel of its own, made with the same connection settings (TLS files, token) and only
// the target changed. A frontend reaches its nodes with its --cas- flags; a `kiln worker`
// reaches its frontend's nodes with its own credentials (the nodes must grant its
// principal cas-read and cas-write).
#pragma once

#include "cas/replicated_ring_builder.h"
#include "client/client_connection_options.h"

namespace kiln {

// Channels are not connected at once: a node that is not up yet fails calls with
// UNAVAILABLE until it is. An error only for settings that cannot make a channel
// (unreadable TLS files, a bad target).
NodeStoreFactory RemoteNodeStores(ClientConnectionOptions connection);

}  // namespace kiln
