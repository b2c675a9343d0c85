#include "cas/blob_index.h"

namespace kiln {

bool BlobIndex::Touch(const Digest& digest, bool pin) {
  auto it = entries_.find(digest);
  if (it == entries_.end()) return false;
  recency_.splice(recency_.begin(), recency_, it->second.position);
  if (pin) it->second.pinned_until = clock_->Now() + grace_period_;
  return true;
}

void BlobIndex::Insert(const Digest& digest) {
  if (Touch(digest, /*pin=*/false)) return;
  recency_.push_front(digest);
  entries_.emplace(digest, Entry{recency_.begin(), TimePoint()});
  total_bytes_ += digest.size();
}

void BlobIndex::Remove(const Digest& digest) {
  auto it = entries_.find(digest);
  if (it == entries_.end()) return;
  recency_.erase(it->second.position);
  total_bytes_ -= digest.size();
  entries_.erase(it);
}

std::vector<Digest> BlobIndex::EvictDownTo(int64_t budget_bytes) {
  std::vector<Digest> evicted;
  const TimePoint now = clock_->Now();
  // Each pinned entry met at the tail is moved to the front, so every entry is looked at
  // most once per call.
  size_t pinned_seen = 0;
  while (total_bytes_ > budget_bytes && !recency_.empty() && pinned_seen < entries_.size()) {
    auto victim = std::prev(recency_.end());
    Entry& entry = entries_.at(*victim);
    if (entry.pinned_until > now) {
      recency_.splice(recency_.begin(), recency_, victim);
      ++pinned_seen;
      continue;
    }
    evicted.push_back(*victim);
    Remove(*victim);
  }
  return evicted;
}

}  // namespace kiln
