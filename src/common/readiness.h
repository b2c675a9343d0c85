// Whether this server is ready for traffic, for /readyz and the gRPC health service: a
// list of named checks (the stores are open, the backplane's Redis answers) run on the
// server's maintenance tick, and the latest answer kept for everyone who asks, so that
// load balancers polling often cost nothing. Listeners (gRPC Health.Watch) hear each
// change. Thread-safe.
#pragma once

#include <functional>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"

namespace kiln {

class Readiness {
 public:
  using Check = std::function<Status()>;
  using Listener = std::function<void(bool ready)>;

  // REQUIRES: before the first Refresh.
  void AddCheck(std::string name, Check check);
  // Runs every check; the first failure is the answer ("redis backplane: ...").
  void Refresh();
  // OK when ready, else UNAVAILABLE saying why. Not ready before the first Refresh.
  Status Current() const;
  // Called (outside the lock) after each change; returns an id for RemoveListener, after
  // which the listener is not called again. REQUIRES: not called from a listener.
  int AddListener(Listener listener);
  void RemoveListener(int id);

 private:
  std::vector<std::pair<std::string, Check>> checks_;
  mutable std::mutex mutex_;
  Status current_ = Status::Unavailable("starting");
  std::vector<std::pair<int, Listener>> listeners_;
  int next_listener_ = 0;
  std::mutex refresh_mutex_;  // One Refresh at a time, so that changes are heard in order.
};

}  // namespace kiln
