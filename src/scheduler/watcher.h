// One client's subscription to an operation. The scheduler posts snapshots while holding
// its lock, so they line up here in the order the changes happened; Deliver() then runs
// the listener outside every lock. Changes made by several threads at once still reach the
// listener one at a time and in order: whichever thread finds the watcher idle delivers
// everything posted so far, the others return at once.
//
// Thread-safe. The listener may call back into the scheduler, including Unwatch of itself.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "scheduler/operation.h"

namespace kiln {

class Watcher {
 public:
  using Listener = std::function<void(const OperationSnapshot&)>;

  explicit Watcher(Listener listener) : listener_(std::move(listener)) {}

  // Queues a snapshot for the listener. Cheap: safe to call under the scheduler's lock.
  void Post(std::shared_ptr<const OperationSnapshot> snapshot);
  // Calls the listener for every queued snapshot unless another thread already does. The
  // done snapshot is the last one ever delivered. Returns true if this call delivered it.
  bool Deliver();
  // After this returns no call starts, and none is running except on this very thread (a
  // listener that stops its own watch). May wait for a call running on another thread.
  void Stop();

 private:
  // REQUIRES: stopped_, !delivering_. Hands the listener out to be destroyed unlocked.
  Listener ReleaseListener() { return std::exchange(listener_, nullptr); }

  std::mutex mutex_;
  std::condition_variable idle_;
  Listener listener_;
  std::deque<std::shared_ptr<const OperationSnapshot>> pending_;
  bool stopped_ = false;
  bool delivering_ = false;
  std::thread::id delivering_thread_;
};

}  // namespace kiln
