// The storage ring a frontend keeps its CAS on, for whoever must follow it: the frontend's
// remote workers, which are told the ring when they connect and again each time it changes,
// so that they read and write blobs on the nodes themselves (worker/storage_route.h). A
// frontend whose CAS is its own disk publishes nothing.
//
// Thread-safe. Listeners are called under the publisher's lock, so each sees the rings in
// order and none is called once Unsubscribe has returned; they must not call back into it.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>

#include "cas/storage_ring_config.h"

namespace kiln {

class StorageRingPublisher {
 public:
  using Listener = std::function<void(const StorageRingConfig&)>;

  // Makes `ring` current and tells every listener, unless it is the current ring already.
  void Publish(const StorageRingConfig& ring);
  // nullopt until the first Publish.
  std::optional<StorageRingConfig> current() const;

  // Calls `listener` with the current ring (if there is one yet), then with every new one.
  // Returns the id to unsubscribe with.
  uint64_t Subscribe(Listener listener);
  void Unsubscribe(uint64_t id);

 private:
  mutable std::mutex mutex_;
  std::optional<StorageRingConfig> current_;
  std::map<uint64_t, Listener> listeners_;
  uint64_t next_id_ = 1;
};

}  // namespace kiln
