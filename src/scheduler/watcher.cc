#include "scheduler/watcher.h"

#include <utility>

namespace kiln {

void Watcher::Post(std::shared_ptr<const OperationSnapshot> snapshot) {
  std::lock_guard lock(mutex_);
  if (!stopped_) pending_.push_back(std::move(snapshot));
}

bool Watcher::Deliver() {
  std::unique_lock lock(mutex_);
  if (delivering_) return false;
  delivering_ = true;
  delivering_thread_ = std::this_thread::get_id();
  bool delivered_done = false;
  while (!stopped_ && !pending_.empty()) {
    std::shared_ptr<const OperationSnapshot> snapshot = std::move(pending_.front());
    pending_.pop_front();
    lock.unlock();
    listener_(*snapshot);
    lock.lock();
    if (snapshot->done && !stopped_) {
      stopped_ = true;
      delivered_done = true;
    }
  }
  delivering_ = false;
  delivering_thread_ = {};
  Listener released = stopped_ ? ReleaseListener() : nullptr;
  if (stopped_) pending_.clear();
  lock.unlock();
  idle_.notify_all();
  return delivered_done;  // `released` is destroyed here, outside the lock.
}

void Watcher::Stop() {
  std::unique_lock lock(mutex_);
  stopped_ = true;
  pending_.clear();
  // A listener stopping its own watch: the Deliver() below us on the stack finishes up.
  if (delivering_ && delivering_thread_ == std::this_thread::get_id()) return;
  idle_.wait(lock, [this] { return !delivering_; });
  Listener released = ReleaseListener();
  lock.unlock();
}

}  // namespace kiln
