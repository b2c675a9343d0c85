#include "common/readiness.h"

namespace kiln {

void Readiness::AddCheck(std::string name, Check check) { checks_.emplace_back(std::move(name), std::move(check)); }

void Readiness::Refresh() {
  std::lock_guard refreshing(refresh_mutex_);
  Status now;
  for (const auto& [name, check] : checks_) {
    Status status = check();
    if (!status.ok()) {
      now = Status::Unavailable(name + ": " + status.message());
      break;
    }
  }
  std::vector<Listener> to_tell;
  {
    std::lock_guard lock(mutex_);
    const bool changed = now.ok() != current_.ok();
    current_ = now;
    if (changed) {
      for (const auto& [id, listener] : listeners_) to_tell.push_back(listener);
    }
  }
  for (const Listener& listener : to_tell) listener(now.ok());
}

Status Readiness::Current() const {
  std::lock_guard lock(mutex_);
  return current_;
}

int Readiness::AddListener(Listener listener) {
  std::lock_guard lock(mutex_);
  listeners_.emplace_back(next_listener_, std::move(listener));
  return next_listener_++;
}

void Readiness::RemoveListener(int id) {
  // Waits for a Refresh telling listeners, so that none is called once this returns.
  std::lock_guard refreshing(refresh_mutex_);
  std::lock_guard lock(mutex_);
  std::erase_if(listeners_, [id](const auto& entry) { return entry.first == id; });
}

}  // namespace kiln
