// Keeps recently read small blobs in memory in front of another store (the disk CAS), so
// that the small reads builds make over and over (BatchReadBlobs of sources and headers,
// ActionResults' stdout, Tree messages) cost a map lookup instead of open, fstat, pread and
// close. Bounded in bytes, least recently used out first. Blobs are immutable, so a cached
// copy is never stale; one the base store has since evicted may still be served, which is
// harmless (its content is right). FindMissing and writes go straight to the base store.
// Blobs nobody has read for `max_idle` are dropped by DropIdle (the server's maintenance
// tick), so that a server left idle after a busy spell gives that memory back: the files
// are still in the OS page cache, so a later read costs a few system calls, not the disk.
// Thread-safe.
#pragma once

#include <atomic>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "cas/blob_store.h"
#include "common/clock.h"

namespace kiln {

struct SmallBlobCacheOptions {
  int64_t max_bytes = 64 << 20;        // Total cached blob bytes.
  int64_t max_blob_bytes = 64 << 10;   // Larger blobs are never cached.
  Duration max_idle = std::chrono::minutes(10);  // See DropIdle.
};

class SmallBlobCache final : public BlobStore {
 public:
  // REQUIRES: `base` and `clock` outlive the cache.
  SmallBlobCache(BlobStore* base, const SmallBlobCacheOptions& options, const Clock* clock = SystemClock::Get());

  std::vector<Digest> FindMissing(const std::vector<Digest>& digests) override { return base_->FindMissing(digests); }
  std::vector<Digest> FindMissingConfirmed(const std::vector<Digest>& digests) override {
    return base_->FindMissingConfirmed(digests);
  }
  StatusOr<std::vector<Digest>> FindMissingOrError(const std::vector<Digest>& digests) override {
    return base_->FindMissingOrError(digests);
  }
  StatusOr<std::unique_ptr<BlobReader>> OpenRead(const Digest& digest, int64_t offset) override;
  // Those not in memory are read from the base store in one ReadBlobs.
  std::vector<StatusOr<std::string>> ReadBlobs(const std::vector<Digest>& digests) override;
  StatusOr<std::unique_ptr<BlobWriter>> OpenWrite(const Digest& digest) override { return base_->OpenWrite(digest); }
  // Drops the cached copy too.
  Status Delete(const Digest& digest) override;

  // Drops the blobs not read for options.max_idle or longer.
  void DropIdle();
  int64_t cached_bytes() const;
  // Reads of blobs small enough to cache, answered from memory or not (for metrics).
  int64_t hits() const { return hits_.load(std::memory_order_relaxed); }
  int64_t misses() const { return misses_.load(std::memory_order_relaxed); }

 private:
  struct Entry {
    std::shared_ptr<const std::string> data;
    std::list<Digest>::iterator position;  // In lru_.
    TimePoint last_read;
  };
  std::shared_ptr<const std::string> Lookup(const Digest& digest);
  void Insert(const Digest& digest, std::shared_ptr<const std::string> data);
  // REQUIRES: mutex_ held, lru_ not empty.
  void DropLeastRecent();

  BlobStore* const base_;
  const SmallBlobCacheOptions options_;
  const Clock* const clock_;
  mutable std::mutex mutex_;
  std::unordered_map<Digest, Entry, DigestHash> entries_;  // Guarded by mutex_.
  // Most recently read first, so also by last_read, latest first. Guarded by mutex_.
  std::list<Digest> lru_;
  int64_t cached_bytes_ = 0;                               // Guarded by mutex_.
  std::atomic<int64_t> hits_{0};
  std::atomic<int64_t> misses_{0};
};

}  // namespace kiln
