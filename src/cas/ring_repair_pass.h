// One repair pass over a storage ring: walks every node's listing (cas/blob_listing.h) in
// the common digest order, merged, so that for each blob it knows which nodes hold it; where
// one of the blob's owners (RendezvousRing::Owners, R replicas) lacks it, the pass copies it
// there from a node that has it, through the target's verifying writer (CopyBetweenNodes).
// That restores R copies after a node is removed for good or its disk is wiped, and moves
// blobs to the owners a joining node (or a hinted write) left without them: rebalancing.
// Surplus copies on nodes that are no longer owners are left where they are (nothing here
// deletes; eviction ages them out).
//
// Listings cost no FindMissing per blob and touch no LRU position or pin; an owner that
// looks lacking is asked (one batched FindMissing per node) before a copy, since a listing
// is not a snapshot and the blob may have arrived meanwhile. A node that cannot be listed is
// left out of the pass (its blobs are not scanned, nothing is copied to it) and reported, so
// the caller can run the pass again later.
//
// Progress is a cursor: every blob up to it has been dealt with, so a pass started with the
// cursor of an interrupted one goes on where that stopped.
//
// Copies are paced to a byte rate on the injected clock, like the scrubber: after copying B
// bytes (each copy counted as at least min_bytes_per_copy) the pass asks to wait until
// B / rate has passed since it started them; idle time earns no credit.
//
// Step is called by one thread at a time; the accessors may be called from any.
#pragma once

#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "cas/blob_listing.h"
#include "cas/replica_nodes.h"
#include "common/clock.h"

namespace kiln {

struct RingRepairOptions {
  size_t replicas = 2;
  size_t page_size = 1000;  // Blobs per listing call.
  int64_t bytes_per_second = int64_t{32} << 20;  // 0: no limit.
  // What a copy costs the budget at least: a small blob's copy is a few calls on two nodes.
  int64_t min_bytes_per_copy = int64_t{16} << 10;
  // Copies made at once: small blobs are bound by round trips, not bytes.
  size_t parallel_copies = 8;
  Duration call_timeout = std::chrono::seconds(10);
  Duration transfer_timeout = std::chrono::seconds(60);
  const Clock* clock = SystemClock::Get();
};

struct RingRepairCounters {
  int64_t blobs_scanned = 0;   // Distinct blobs looked at.
  int64_t copies_missing = 0;  // Owners found lacking a blob.
  int64_t copies_made = 0;
  int64_t bytes_copied = 0;
  int64_t failures = 0;  // Copies that could not be made, and nodes that could not be listed.
};

class RingRepairPass {
 public:
  // REQUIRES: listers[i] lists the node nodes.ring().nodes()[i]; all outlive the pass.
  // `after`: the cursor of the pass to go on with, nullopt to start from the first blob.
  RingRepairPass(ReplicaNodes& nodes, std::vector<BlobLister*> listers, std::optional<Digest> after,
                 RingRepairOptions options);

  // The next piece of work when the byte budget allows it -- listing a page from the nodes
  // that need one, or up to parallel_copies copies -- and how long to wait before the next
  // call (zero: at once). Does nothing once done().
  Duration Step();

  bool done() const;
  // Every blob up to the cursor has been dealt with; nullopt before the first.
  std::optional<Digest> cursor() const;
  RingRepairCounters counters() const;
  // Nodes the pass could not list: their blobs were not scanned and nothing was copied to
  // them, so the pass is not a complete one.
  std::vector<std::string> unlisted_nodes() const;

 private:
  struct Listing {
    std::deque<Digest> buffered;
    std::optional<Digest> listed_to;  // The last digest listed so far.
    bool more = true;
    bool failed = false;
  };
  struct Copy {
    Digest digest;
    size_t target;
    std::vector<size_t> sources;  // Nodes that listed it.
  };
  // Lists a page from each node whose buffer ran out; false when every listing is over.
  bool FillListings();
  // Takes every buffered blob up to where all listings have reached, and queues the copies
  // its owners need.
  void MergeNextBlobs();
  // Of `copies`, those whose target still lacks the blob, asking each target once.
  std::vector<Copy> ConfirmMissing(std::vector<Copy> copies);
  Duration MakeCopies(TimePoint started);

  ReplicaNodes& nodes_;
  const std::vector<BlobLister*> listers_;
  const RingRepairOptions options_;
  std::vector<Listing> listings_;
  std::deque<Copy> copies_;
  std::optional<Digest> merged_to_;  // Becomes cursor_ once copies_ is empty.
  TimePoint next_start_{};
  mutable std::mutex mutex_;
  std::optional<Digest> cursor_;  // Guarded by mutex_.
  RingRepairCounters counters_;   // Guarded by mutex_.
  bool done_ = false;             // Guarded by mutex_.
  std::vector<std::string> unlisted_;  // Guarded by mutex_.
};

}  // namespace kiln
