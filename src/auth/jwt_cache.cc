#include "auth/jwt_cache.h"

#include <iterator>

namespace kiln {

std::shared_ptr<const Principal> JwtCache::Find(const TokenDigest& token, WallTimePoint now) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(token);
  if (it == entries_.end()) return nullptr;
  if (now > it->second.expires) {
    entries_.erase(it);  // Its `order_` entry goes when it reaches the front.
    return nullptr;
  }
  return it->second.principal;
}

void JwtCache::Insert(const TokenDigest& token, std::shared_ptr<const Principal> principal, WallTimePoint expires,
                      WallTimePoint now) {
  if (max_entries_ == 0) return;
  std::lock_guard lock(mutex_);
  auto existing = entries_.find(token);
  if (existing != entries_.end()) {  // Verified twice at once: keep its place in the queue.
    existing->second.principal = std::move(principal);
    existing->second.expires = expires;
    return;
  }
  MakeRoomLocked(now);
  uint64_t sequence = next_sequence_++;
  entries_[token] = Entry{std::move(principal), expires, sequence};
  order_.emplace_back(token, sequence);
}

void JwtCache::MakeRoomLocked(WallTimePoint now) {
  // Drop `order_` entries whose token was since removed or inserted again, so that the
  // queue stays proportional to the map.
  auto stale = [&](const std::pair<TokenDigest, uint64_t>& queued) {
    auto it = entries_.find(queued.first);
    return it == entries_.end() || it->second.sequence != queued.second;
  };
  while (!order_.empty() && stale(order_.front())) order_.pop_front();
  if (order_.size() > 2 * max_entries_) {  // Stale entries behind a live one: compact.
    std::erase_if(order_, stale);
  }
  if (entries_.size() < max_entries_) return;
  for (auto it = entries_.begin(); it != entries_.end();) {
    it = now > it->second.expires ? entries_.erase(it) : std::next(it);
  }
  while (entries_.size() >= max_entries_ && !order_.empty()) {
    if (!stale(order_.front())) entries_.erase(order_.front().first);
    order_.pop_front();
  }
}

size_t JwtCache::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

}  // namespace kiln
