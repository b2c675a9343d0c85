// FindMissing over the storage nodes of a replicated CAS, in rounds of one batched call per
// node, made in parallel: the blobs' first owners; then their other owners about the blobs
// not found (except those whose first owner is trusted to know what it lacks,
// cas/first_owner_trust.h); then, for blobs an owner could not answer for, the other nodes
// that answer (a write that found an owner down put its copy further along the rendezvous
// order). So a present blob usually costs one lookup on one node, a missing one a lookup on
// each owner (on its first owner only, once that node is trusted). A blob is present if any
// node says so -- and that node pins it for its grace period -- or, before any node is
// asked, if the frontend's PresenceRecord says a node did lately. Missing if no node has it
// and at least one node that may hold it answered; UNAVAILABLE when, for some blob, none did.
#pragma once

#include <vector>

#include "cas/first_owner_trust.h"
#include "cas/presence_record.h"
#include "cas/replica_nodes.h"

namespace kiln {

// The digests of `digests` that are missing, in their order (duplicates included); the
// empty blob is never missing. REQUIRES: 1 <= replicas <= nodes.size().
// The "present" answers of nodes, and whether to answer from it.
struct PresenceMemory {
  PresenceRecord* record = nullptr;  // Null: nothing remembered.
  const Clock* clock = nullptr;      // Set with `record`.
  // False for an answer nobody checks again before relying on it (FindMissingConfirmed):
  // the nodes are asked, and their answers still recorded.
  bool answer_from_record = true;
  // Null: every owner is asked about a blob its first owner lacks. Used only with
  // answer_from_record.
  FirstOwnerTrust* trust = nullptr;
};

StatusOr<std::vector<Digest>> FindMissingOnReplicas(ReplicaNodes& nodes, size_t replicas,
                                                    const std::vector<Digest>& digests, Duration timeout,
                                                    const PresenceMemory& memory = {});

}  // namespace kiln
