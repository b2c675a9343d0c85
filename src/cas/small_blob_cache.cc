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

std::vector<StatusOr<std::string>> SmallBlobCache::ReadBlobs(const std::vector<Digest>& digests) {
  std::vector<StatusOr<std::string>> blobs(digests.size(), Status::Ok());
  std::vector<Digest> fetch;
  std::vector<size_t> fetched_for;  // Per digest of `fetch`: its index in `digests`.
  for (size_t i = 0; i < digests.size(); ++i) {
    const bool cacheable = digests[i].size() <= options_.max_blob_bytes && digests[i].size() <= options_.max_bytes;
    std::shared_ptr<const std::string> data = cacheable ? Lookup(digests[i]) : nullptr;
    if (cacheable) (data ? hits_ : misses_).fetch_add(1, std::memory_order_relaxed);
    if (data) {
      blobs[i] = *data;
    } else {
      fetch.push_back(digests[i]);
      fetched_for.push_back(i);
    }
  }
  if (fetch.empty()) return blobs;
  std::vector<StatusOr<std::string>> fetched = base_->ReadBlobs(fetch);
  for (size_t k = 0; k < fetch.size(); ++k) {
    StatusOr<std::string>& blob = blobs[fetched_for[k]];
    blob = k < fetched.size() ? std::move(fetched[k]) : Status::Internal("the store answered for fewer blobs");
    if (blob.ok() && fetch[k].size() <= options_.max_blob_bytes && fetch[k].size() <= options_.max_bytes) {
      Insert(fetch[k], std::make_shared<const std::string>(*blob));
    }
  }
  return blobs;
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

Status SmallBlobCache::Delete(const Digest& digest) {
  {
    std::lock_guard lock(mutex_);
    if (auto it = entries_.find(digest); it != entries_.end()) {
      cached_bytes_ -= static_cast<int64_t>(it->second.data->size());
      lru_.erase(it->second.position);
      entries_.erase(it);
    }
  }
  return base_->Delete(digest);
}

}  // namespace kiln
