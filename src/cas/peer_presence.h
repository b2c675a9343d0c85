// ReplicaPresence over a set of peers that can change (the ring's other members, as the
// storage tier reads them from the backplane): a batch of candidates is asked of every peer
// at once, one call each, and the answer is in within `timeout` whatever the peers do. A
// peer that hangs costs one abandoned call (it ends with its own RPC deadline), never a
// stuck eviction. Thread-safe.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "cas/replica_presence.h"
#include "common/clock.h"
#include "common/deadline_executor.h"

namespace kiln {

struct NamedReplicaPeer {
  std::string name;  // For messages.
  std::shared_ptr<ReplicaPeer> peer;
};

class PeerPresence final : public ReplicaPresence {
 public:
  explicit PeerPresence(Duration timeout = std::chrono::seconds(2));

  // Replaces the peers; a question in flight finishes with the ones it began with.
  void SetPeers(std::vector<NamedReplicaPeer> peers);
  size_t peer_count() const;

  PresenceAnswer HeldElsewhere(const std::vector<Digest>& digests) override;

 private:
  const Duration timeout_;
  mutable std::mutex mutex_;
  std::shared_ptr<const std::vector<NamedReplicaPeer>> peers_;  // Guarded by mutex_.
  // Last: destroyed first, waiting for calls still running while the rest is valid.
  DeadlineExecutor executor_;
};

}  // namespace kiln
