#include "worker/forwarding_hint_list.h"

#include <algorithm>

namespace kiln {

ForwardingHintList::ForwardingHintList(std::unique_ptr<HintList> local, size_t max_queued)
    : local_(std::move(local)), max_queued_(max_queued) {}

bool ForwardingHintList::Add(const BlobHint& hint) {
  const bool listed = local_->Add(hint);
  {
    std::lock_guard lock(mutex_);
    // Bounded: forgetting what was sent only costs a second copy of some hints.
    if (forwarded_.size() >= max_queued_) {
      forwarded_.clear();
      for (const BlobHint& queued : queue_) forwarded_.insert(KeyOf(queued));
    }
    if (forwarded_.contains(KeyOf(hint))) return listed;
    if (queue_.size() >= max_queued_) {
      ++dropped_;
      return listed;
    }
    forwarded_.insert(KeyOf(hint));
    queue_.push_back(hint);
  }
  queued_changed_.notify_all();
  return listed;
}

std::vector<BlobHint> ForwardingHintList::Take(size_t max) { return local_->Take(max); }

int64_t ForwardingHintList::Size() const { return local_->Size(); }

std::vector<BlobHint> ForwardingHintList::TakeQueued(size_t max) {
  std::lock_guard lock(mutex_);
  const size_t count = std::min(max, queue_.size());
  std::vector<BlobHint> taken(std::make_move_iterator(queue_.begin()), std::make_move_iterator(queue_.begin() + count));
  queue_.erase(queue_.begin(), queue_.begin() + count);
  return taken;
}

void ForwardingHintList::Requeue(std::vector<BlobHint> hints) {
  {
    std::lock_guard lock(mutex_);
    for (auto it = hints.rbegin(); it != hints.rend(); ++it) {
      if (queue_.size() >= max_queued_) {
        // Not sent, so not the frontend's: the worker's handoff pass may queue it again.
        forwarded_.erase(KeyOf(*it));
        ++dropped_;
        continue;
      }
      forwarded_.insert(KeyOf(*it));
      queue_.push_front(std::move(*it));
    }
  }
  queued_changed_.notify_all();
}

bool ForwardingHintList::WaitForQueued(Duration timeout) {
  std::unique_lock lock(mutex_);
  queued_changed_.wait_for(lock, timeout, [this] { return stop_waiting_ || !queue_.empty(); });
  return !queue_.empty();
}

void ForwardingHintList::StopWaiting() {
  {
    std::lock_guard lock(mutex_);
    stop_waiting_ = true;
  }
  queued_changed_.notify_all();
}

void ForwardingHintList::FrontendChanged() {
  std::lock_guard lock(mutex_);
  forwarded_.clear();
  for (const BlobHint& queued : queue_) forwarded_.insert(KeyOf(queued));
}

ForwardedHintStats ForwardingHintList::stats() const {
  std::lock_guard lock(mutex_);
  return {static_cast<int64_t>(queue_.size()), dropped_};
}

}  // namespace kiln
