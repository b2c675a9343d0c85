// FindMissing over the storage nodes of a replicated CAS, in rounds of one batched call per
// node, made in parallel: the blobs' first owners; then their other owners about the blobs
// not found; then, for blobs an owner could not answer for, the other nodes that answer (a
// write that found an owner down put its copy further along the rendezvous order). So a
// present blob usually costs one lookup on one node, a missing one a lookup on each owner. A blob is present if any node says so -- and that
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
