#include "cas/small_blob_cache.h"

#include "cas/memory_reader.h"

namespace kiln {

SmallBlobCache::SmallBlobCache(BlobStore* base, const SmallBlobCacheOptions& options, const Clock* clock)
    : base_(base), options_(options), clock_(clock) {}

StatusOr<std::unique_ptr<BlobReader>> SmallBlobCache::OpenRead(const Digest& digest, int64_t offset) {
  if (digest.size() > options_.max_blob_bytes || digest.size() > options_.max_bytes) {
    return base_->OpenRead(digest, offset);
  }
  if (offset < 0 || offset > digest.size()) return base_->OpenRead(digest, offset);  // Its error to report.
  std::shared_ptr<const std::string> data = Lookup(digest);
  (data ? hits_ : misses_).fetch_add(1, std::memory_order_relaxed);
  if (!data) {
    auto read = ReadBlob(*base_, digest);
    if (!read.ok()) return read.status();
    data = std::make_shared<const std::string>(std::move(read).value());
    Insert(digest, data);
  }
  return std::unique_ptr<BlobReader>(std::make_unique<MemoryReader>(std::move(data), static_cast<size_t>(offset)));
}

std::shared_ptr<const std::string> SmallBlobCache::Lookup(const Digest& digest) {
  std::lock_guard lock(mutex_);
  auto found = entries_.find(digest);
  if (found == entries_.end()) return nullptr;
  lru_.splice(lru_.begin(), lru_, found->second.position);
  found->second.last_read = clock_->Now();
  return found->second.data;
}

void SmallBlobCache::Insert(const Digest& digest, std::shared_ptr<const std::string> data) {
  std::lock_guard lock(mutex_);
  if (entries_.count(digest) != 0) return;  // Another reader got there first.
  cached_bytes_ += static_cast<int64_t>(data->size());
  lru_.push_front(digest);
  entries_.emplace(digest, Entry{std::move(data), lru_.begin(), clock_->Now()});
  while (cached_bytes_ > options_.max_bytes && !lru_.empty()) DropLeastRecent();
}

void SmallBlobCache::DropIdle() {
  std::lock_guard lock(mutex_);
  const TimePoint read_since = clock_->Now() - options_.max_idle;
  while (!lru_.empty() && entries_.at(lru_.back()).last_read <= read_since) DropLeastRecent();
}

void SmallBlobCache::DropLeastRecent() {
  auto victim = entries_.find(lru_.back());
  cached_bytes_ -= static_cast<int64_t>(victim->second.data->size());
  entries_.erase(victim);
  lru_.pop_back();
}

int64_t SmallBlobCache::cached_bytes() const {
  std::lock_guard lock(mutex_);
  return cached_bytes_;
}

}  // namespace kiln
