// An upload to a replicated CAS: one writer per replica, on the blob's owners -- or, for an
// owner that cannot take it, the next node in rendezvous order (a hinted copy, moved to the
// owner later) -- and the bytes passed to all of them at once, in pieces of up to 1 MiB:
// the blob is never whole in memory, each piece is copied once, whatever the number of
// replicas, and a client's small chunks (Bazel sends 16 KiB) cost one hand-off to the
// replicas' threads per piece, not per chunk (that hand-off was half a frontend's CPU).
//
// Commit succeeds only when `replicas` nodes have committed (verified) the blob. A replica
// that fails midway is replaced at Commit by copying the blob from one that committed onto
// the next node in order; if that still leaves fewer copies, the upload fails (UNAVAILABLE,
// naming the nodes and why) -- never success with fewer copies. Copies that did commit stay:
// the client's retry finds them.
//
// Used by one thread at a time; must not outlive the nodes and repairer it was opened on.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "cas/blob_store.h"
#include "cas/node_transfer.h"
#include "cas/replica_nodes.h"
#include "cas/replica_repairer.h"

namespace kiln {

class ReplicatedBlobWriter final : public BlobWriter {
 public:
  // UNAVAILABLE if fewer than `replicas` nodes can open a writer.
  static StatusOr<std::unique_ptr<BlobWriter>> Open(ReplicaNodes& nodes, ReplicaRepairer& repairer,
                                                    const Digest& digest, size_t replicas, ReplicaTimeouts timeouts);

  Status Write(std::string_view data) override;
  int64_t bytes_written() const override { return bytes_written_; }
  Status Commit() override;

 private:
  ReplicatedBlobWriter(ReplicaNodes& nodes, ReplicaRepairer& repairer, const Digest& digest, size_t replicas,
                       ReplicaTimeouts timeouts, std::vector<size_t> order)
      : nodes_(nodes), repairer_(repairer), digest_(digest), replicas_(replicas), timeouts_(timeouts),
        order_(std::move(order)) {}
  // Opens writers along the order until `replicas_` are open or no node is left.
  void OpenReplicas();
  // Copies the committed blob onto further nodes until it has `replicas_` copies.
  void TopUp(std::vector<size_t>& committed);
  void RecordFailure(const Status& status) { failures_.push_back(status.message()); }
  Status NotEnoughCopies(size_t copies) const;
  // Passes what is pending to every replica still going.
  Status Flush();

  ReplicaNodes& nodes_;
  ReplicaRepairer& repairer_;
  const Digest digest_;
  const size_t replicas_;
  const ReplicaTimeouts timeouts_;
  const std::vector<size_t> order_;  // Every node, owners first.
  size_t next_ = 0;                   // The next node of order_ not tried yet.
  std::vector<std::unique_ptr<NodeBlobWriter>> writers_;  // The replicas still going.
  std::vector<std::string> failures_;                     // Why nodes dropped out, by name.
  int64_t bytes_written_ = 0;
  std::string pending_;  // Written, not yet passed on.
  Status failed_;  // Sticky: the upload as a whole failed.
};

}  // namespace kiln
