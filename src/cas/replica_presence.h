// What replica-aware eviction needs to know about the rest of a storage ring: which of a
// node's eviction candidates some other node still holds. A node that is about to evict a
// blob asks its peers first, and keeps the blob if it is the last copy (see
// DiskBlobStore::SetReplicaPresence). Kept free of gRPC: the store is tested with fakes,
// and the storage tier wires in remote peers (client/remote_replica_peer.h).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "common/digest.h"
#include "common/status.h"

namespace kiln {

// The asked side: a node answering a peer's question.
class ReplicaHolder {
 public:
  virtual ~ReplicaHolder() = default;
  // For each digest, whether this node holds the blob and will keep it for a while: a blob
  // reported held is protected from eviction for a short hold (long enough for the asker, the
  // node named `asker`, to evict its own copy). When both nodes are deciding about the same
  // blob at once, only one of them -- the one whose name sorts first -- is told "not held",
  // so two nodes never drop the two copies of a blob on each other's word, and never both
  // keep it for that reason alone. Moves nothing in the LRU order and does not pin for the
  // grace period.
  virtual std::vector<bool> HoldForPeer(const std::vector<Digest>& digests, const std::string& asker) = 0;
};

// One other node of the ring, as the asking side reaches it.
class ReplicaPeer {
 public:
  virtual ~ReplicaPeer() = default;
  // ReplicaHolder::HoldForPeer on that node: one answer per digest, in order. An error (or
  // a call that outlives the asker's deadline) counts as "holds none of them".
  virtual StatusOr<std::vector<bool>> FindHeld(const std::vector<Digest>& digests) = 0;
};

// The answer of a ring about a batch of candidates.
struct PresenceAnswer {
  std::vector<bool> held_elsewhere;  // One per candidate: some other node holds it.
  size_t peers_asked = 0;
  size_t peers_answered = 0;  // In time and without error.
};

// The asking side: the whole ring but this node.
class ReplicaPresence {
 public:
  virtual ~ReplicaPresence() = default;
  // Asks every peer at once and returns within a bounded time. A peer that fails or does not
  // answer in time holds nothing, as far as the answer goes (the safe side: the candidate
  // may be a last copy). With no peers at all, peers_asked is 0: there is no ring to ask.
  virtual PresenceAnswer HeldElsewhere(const std::vector<Digest>& digests) = 0;
};

}  // namespace kiln
