#include "cas/storage_ring_publisher.h"

namespace kiln {

void StorageRingPublisher::Publish(const StorageRingConfig& ring) {
  std::lock_guard lock(mutex_);
  if (current_ && *current_ == ring) return;
  current_ = ring;
  for (const auto& [id, listener] : listeners_) listener(ring);
}

std::optional<StorageRingConfig> StorageRingPublisher::current() const {
  std::lock_guard lock(mutex_);
  return current_;
}

uint64_t StorageRingPublisher::Subscribe(Listener listener) {
  std::lock_guard lock(mutex_);
  const uint64_t id = next_id_++;
  if (current_) listener(*current_);
  listeners_.emplace(id, std::move(listener));
  return id;
}

void StorageRingPublisher::Unsubscribe(uint64_t id) {
  std::lock_guard lock(mutex_);
  listeners_.erase(id);
}

}  // namespace kiln
