// Keeps a frontend's CAS on the storage ring the backplane lists (storage_directory.h): what
// `kiln serve --backplane URL` without --cas runs. Every refresh it reads the members; when
// they (or their weights) changed it builds a ReplicatedBlobStore over the new ring
// (cas/replicated_ring_builder.h) and swaps it into the frontend's SwappableBlobStore, then
// says so (on_change: the frontend tells its workers). Calls in flight finish on the ring
// they began on. A node's store (its channel) is made once and kept while the node is a
// member, so a new ring costs no reconnections.
//
// The backplane unreachable, the ring stays as it was. Thread-safe; Tick is meant for the
// server's upkeep thread, which also destroys the rings that calls no longer use.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "backplane/storage_directory.h"
#include "cas/replicated_ring_builder.h"
#include "cas/swappable_blob_store.h"
#include "common/clock.h"

namespace kiln {

struct StorageRingFollowerOptions {
  ReplicatedBlobStoreOptions replicated;
  Duration refresh_interval = std::chrono::seconds(2);
  // Called with each ring swapped in, under the follower's lock (so in order).
  std::function<void(const StorageRingConfig&)> on_change;
};

class StorageRingFollower {
 public:
  // REQUIRES: all pointers outlive this object.
  StorageRingFollower(const StorageDirectory* directory, NodeStoreFactory factory, const Clock* clock,
                      StorageRingFollowerOptions options, SwappableBlobStore* cas);

  // Reads the ring now and applies it. The error of a refresh that could not read or apply
  // it (the ring in use stays).
  Status Refresh();
  // Refresh when due, and destroys rings no call uses any more.
  void Tick();
  // The members as of the last successful refresh.
  std::vector<StorageNodeEntry> members() const;

 private:
  Status Apply(const std::vector<StorageNodeEntry>& members);

  const StorageDirectory* const directory_;
  const Clock* const clock_;
  const StorageRingFollowerOptions options_;
  SwappableBlobStore* const cas_;
  mutable std::mutex mutex_;
  std::vector<StorageNodeEntry> members_;
  ReplicatedRingBuilder builder_;
  std::vector<std::shared_ptr<BlobStore>> retired_;                // Replaced rings.
  TimePoint next_refresh_;
  std::string last_complaint_;
};

}  // namespace kiln
