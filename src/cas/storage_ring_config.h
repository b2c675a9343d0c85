// A CAS ring as one value: the storage nodes (each a name, which is also the target the node
// is reached at, and a weight) and how many copies of each blob they keep. What a frontend
// builds its ReplicatedBlobStore from (--cas A,B,C or the backplane's ring), and what it
// tells its workers so that they can place and find blobs exactly as it does
// (worker/storage_ring_message.h carries it on the worker stream).
#pragma once

#include <cstddef>
#include <vector>

#include "cas/rendezvous_ring.h"

namespace kiln {

struct StorageRingConfig {
  size_t replicas = 2;
  std::vector<RingNode> nodes;  // In the order given; placement does not depend on it.
};

bool operator==(const StorageRingConfig& a, const StorageRingConfig& b);

}  // namespace kiln
