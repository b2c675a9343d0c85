// In-memory index of the blobs a store holds, in least-recently-used order, so that
// FindMissingBlobs never touches the disk and eviction knows what to drop first.
//
// A lookup with pin=true (what FindMissingBlobs does) protects the blob from eviction for
// the grace period: a client told "present" can rely on it while it builds the action that
// references it. Not thread-safe; the owning store serialises access.
#pragma once

#include <cstdint>
#include <list>
#include <unordered_map>
#include <vector>

#include "common/clock.h"
#include "common/digest.h"

namespace kiln {

class BlobIndex {
 public:
  BlobIndex(const Clock* clock, Duration grace_period) : clock_(clock), grace_period_(grace_period) {}

  // True if the blob (hash and size) is indexed; it becomes the most recently used.
  // With pin, it also may not be evicted until now + grace period.
  bool Touch(const Digest& digest, bool pin);
  // Adds a blob as most recently used (or refreshes it if present).
  void Insert(const Digest& digest);
  void Remove(const Digest& digest);
  // Removes least recently used, unpinned blobs until the total is at most `budget_bytes`
  // and returns them, so the caller can delete their data. Stops early (over budget) when
  // everything left is pinned.
  std::vector<Digest> EvictDownTo(int64_t budget_bytes);

  int64_t total_bytes() const { return total_bytes_; }
  size_t blob_count() const { return entries_.size(); }

 private:
  struct Entry {
    std::list<Digest>::iterator position;
    TimePoint pinned_until;
  };

  const Clock* clock_;
  Duration grace_period_;
  std::list<Digest> recency_;  // Front: most recently used.
  std::unordered_map<Digest, Entry, DigestHash> entries_;
  int64_t total_bytes_ = 0;
};

}  // namespace kiln
