// FindMissing over the storage nodes of a replicated CAS: each node is asked once, in
// parallel, about the blobs it owns; then, for blobs an owner could not answer for, the
// other nodes that answer are asked too (a write that found an owner down put its copy
// further along the rendezvous order). A blob is present if any node says so -- and that
// node pins it for its grace period. Missing if no node has it and at least one node that
// may hold it answered; UNAVAILABLE when, for some blob, none did.
#pragma once

#include <vector>

#include "cas/replica_nodes.h"

namespace kiln {

// The digests of `digests` that are missing, in their order (duplicates included); the
// empty blob is never missing. REQUIRES: 1 <= replicas <= nodes.size().
StatusOr<std::vector<Digest>> FindMissingOnReplicas(ReplicaNodes& nodes, size_t replicas,
                                                    const std::vector<Digest>& digests, Duration timeout);

}  // namespace kiln
