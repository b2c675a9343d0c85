// A streamed read of a large blob from a replicated CAS: from one node at a time, and when
// that node fails midway (it dies, hangs past the deadline, sends too few or too many
// bytes, or reports DATA_LOSS), from the next node in rendezvous order that has the blob,
// at the same offset; the caller sees one uninterrupted stream. A read from offset 0 is
// hashed as it passes, and its last chunk turns into DATA_LOSS if the bytes did not match
// the digest (as VerifyingBlobReader does); the nodes that served it are then rewritten by
// the repairer. Small blobs are not read through this: the store reads and checks them
// whole, so that a bad copy is replaced by a good one before the caller sees a byte.
//
// Used by one thread at a time; must not outlive the nodes and repairer it was opened on.
#pragma once

#include <memory>
#include <optional>
#include <set>
#include <vector>

#include "cas/blob_store.h"
#include "cas/node_transfer.h"
#include "cas/replica_repairer.h"
#include "common/hasher.h"

namespace kiln {

class ReplicatedBlobReader final : public BlobReader {
 public:
  // `current` reads `digest` from `offset`. `order` is every node, in the order to try;
  // `tried` those not to try again.
  ReplicatedBlobReader(ReplicaNodes& nodes, ReplicaRepairer& repairer, const Digest& digest, int64_t offset,
                       std::vector<size_t> order, std::set<size_t> tried, std::unique_ptr<NodeBlobReader> current,
                       ReplicaTimeouts timeouts);

  StatusOr<size_t> Read(char* buffer, size_t max) override;
  // Reads and checks the rest, when reading from offset 0 (as VerifyingBlobReader does).
  Status VerifyRemainder() override;

 private:
  // Accepts `n` bytes just read into `buffer`; DATA_LOSS if they run past the blob's size,
  // or end it and do not match the digest.
  Status Account(const char* buffer, size_t n);
  // Continues from the next node that can serve the blob at the current position, after
  // `failure` of the current one. The failure itself if no node can.
  Status Resume(const Status& failure);

  ReplicaNodes& nodes_;
  ReplicaRepairer& repairer_;
  const Digest digest_;
  const std::vector<size_t> order_;
  const ReplicaTimeouts timeouts_;
  std::set<size_t> tried_;
  std::set<size_t> served_;  // Nodes whose bytes the caller received.
  std::unique_ptr<NodeBlobReader> current_;
  std::optional<Hasher> hasher_;  // Only when reading from offset 0.
  int64_t position_;
  std::vector<std::string> failures_;
};

}  // namespace kiln
