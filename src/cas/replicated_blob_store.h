// A CAS spread over storage nodes with R copies of every blob: what a frontend uses when its
// --cas names several nodes. Placement is the RendezvousRing's; each node is a BlobStore (a
// remote store over its own channel, or a fake in tests), called with deadlines through
// ReplicaNodes.
//
//   - Writes go to the R owners at once (ReplicatedBlobWriter): an owner that is down is
//     replaced by the next node in order, and Commit succeeds only when R nodes hold the
//     verified blob.
//   - Reads try the nodes in order, owners first, until one serves the blob; the owners that
//     lacked it (NOT_FOUND, or a copy that did not match the digest) are repaired in the
//     background from the node that had it, and those that were down get a hint. Blobs up to
//     `whole_read_bytes` are read and checked whole before the caller sees them, so a bad copy
//     costs only a retry on the next node; larger ones stream (ReplicatedBlobReader) and
//     resume on another node at the same offset when theirs fails midway. NOT_FOUND only when
//     every owner answered that it lacks the blob and no node had it; UNAVAILABLE when a node
//     that might hold it could not be asked.
//   - FindMissing (cas/replica_lookup.h) asks the blobs' first owners, then their other
//     owners about what was not found, then -- for blobs an owner could not answer for -- the
//     other nodes (hinted copies): each round one batched call per node, in parallel. A blob
//     is present if any node says so -- that node pins it for its grace period, and reads
//     reach every node, so the grace-period guarantee holds across the cluster. The error
//     variant fails (UNAVAILABLE) only when, for some blob, no node that might hold it
//     answered. The nodes' "present" answers are remembered for `presence.ttl`
//     (cas/presence_record.h, which says why that keeps the guarantee, shortened by the
//     ttl): a blob asked about again within it costs no node call, unless a call to the
//     node that vouched for it has failed since. A first owner that has earned trust
//     (cas/first_owner_trust.h) is taken at its word that it lacks a blob. FindMissingConfirmed
//     always asks, every owner.
//
// Thread-safe. The destructor stops the repairs and waits for the calls still running.
#pragma once

#include <memory>
#include <vector>

#include "cas/blob_store.h"
#include "cas/first_owner_trust.h"
#include "cas/presence_record.h"
#include "cas/rendezvous_ring.h"
#include "cas/replica_nodes.h"
#include "cas/replica_repairer.h"

namespace kiln {

struct ReplicatedBlobStoreOptions {
  size_t replicas = 2;  // Capped at the number of nodes.
  ReplicaTimeouts timeouts;
  ReplicaNodeLimits limits;
  ReplicaRepairOptions repair;  // Its timeouts are replaced by `timeouts`.
  // Blobs up to this size are read whole, and checked against their digest, before a read
  // returns; see above. Also bounds the memory one such read holds.
  int64_t whole_read_bytes = 1 << 20;
  PresenceRecordOptions presence;
  FirstOwnerTrustOptions first_owner_trust;
  const Clock* clock = SystemClock::Get();  // For the presence record's expiry, and trust.
};

struct ReplicatedNode {
  RingNode ring_node;        // Name and weight.
  BlobStore* store = nullptr;  // Must outlive the replicated store.
};

class ReplicatedBlobStore final : public BlobStore {
 public:
  // INVALID_ARGUMENT for a ring RendezvousRing refuses, a missing store, or replicas == 0.
  static StatusOr<std::unique_ptr<ReplicatedBlobStore>> Create(std::vector<ReplicatedNode> nodes,
                                                               ReplicatedBlobStoreOptions options);
  ~ReplicatedBlobStore() override;

  std::vector<Digest> FindMissing(const std::vector<Digest>& digests) override;
  std::vector<Digest> FindMissingConfirmed(const std::vector<Digest>& digests) override;
  StatusOr<std::vector<Digest>> FindMissingOrError(const std::vector<Digest>& digests) override;
  StatusOr<std::unique_ptr<BlobReader>> OpenRead(const Digest& digest, int64_t offset) override;
  StatusOr<std::unique_ptr<BlobWriter>> OpenWrite(const Digest& digest) override;
  // Small blobs in one batched read per node (each blob from its first owner, checked
  // against its digest); those it could not serve then as OpenRead would, skipping the
  // nodes that failed here.
  std::vector<StatusOr<std::string>> ReadBlobs(const std::vector<Digest>& digests) override;
  // From every node, not only the blob's owners: handoffs and repairs may have left copies
  // elsewhere. NOT_FOUND if no node had it; a node's failure (others may still serve the
  // blob) is returned.
  Status Delete(const Digest& digest) override;

  ReplicaRepairer& repairer() { return *repairer_; }
  const ReplicaNodes& nodes() const { return *nodes_; }
  const PresenceRecord& presence() const { return *presence_; }
  size_t replicas() const { return options_.replicas; }

 private:
  ReplicatedBlobStore(std::unique_ptr<ReplicaNodes> nodes, ReplicatedBlobStoreOptions options);
  // What the owners that were asked before `source` served the blob answered.
  struct Attempts;
  // Schedules repairs of owners that lacked the blob and hints for owners that were down,
  // now that `source` has served it.
  void RepairOwners(const Digest& digest, const std::vector<size_t>& order, const Attempts& attempts, size_t source);
  StatusOr<std::unique_ptr<BlobReader>> ReadWhole(const Digest& digest, int64_t offset);
  // A blob read whole and checked, along its order, from the nodes not in `attempts`.
  StatusOr<std::string> ReadSmall(const Digest& digest, Attempts attempts);
  StatusOr<std::unique_ptr<BlobReader>> OpenStream(const Digest& digest, int64_t offset);
  Status ReadFailure(const Digest& digest, const std::vector<size_t>& order, const Attempts& attempts) const;

  ReplicatedBlobStoreOptions options_;
  std::unique_ptr<ReplicaNodes> nodes_;
  std::unique_ptr<ReplicaRepairer> repairer_;  // After nodes_: stopped before them.
  std::unique_ptr<PresenceRecord> presence_;
  std::unique_ptr<FirstOwnerTrust> trust_;
};

}  // namespace kiln
