// How callbacks that can outlive a gRPC reactor (scheduler listeners and work callbacks, log
// stream waiters) reach it safely. The callbacks hold the bridge (shared), the reactor
// detaches from it in OnDone before deleting itself; a callback running at that moment is
// waited for, and later ones find nothing to call.
#pragma once

#include <memory>
#include <mutex>

namespace kiln {

template <typename Reactor>
class ReactorBridge {
 public:
  explicit ReactorBridge(Reactor* reactor) : reactor_(reactor) {}

  static std::shared_ptr<ReactorBridge> For(Reactor* reactor) { return std::make_shared<ReactorBridge>(reactor); }

  // Calls fn(reactor), under the bridge's lock, if the reactor is still attached. Returns
  // whether it was.
  template <typename Fn>
  bool Call(Fn&& fn) {
    std::lock_guard lock(mutex_);
    if (reactor_ == nullptr) return false;
    fn(*reactor_);
    return true;
  }

  // From the reactor's OnDone.
  void Detach() {
    std::lock_guard lock(mutex_);
    reactor_ = nullptr;
  }

 private:
  std::mutex mutex_;
  Reactor* reactor_;
};

}  // namespace kiln
