// Work requests of idle worker slots, waiting for an action they can run. Grouped by the
// platform the worker offers (one group per distinct worker platform) and ordered by
// arrival, so a newly queued action goes to the longest-waiting slot that can run it
// without visiting every waiting request:
//   Add:          O(log r)
//   TakeFor:      O(G * p + log r)   G worker platforms, p properties, r waiting requests
//   CanServe:     O(G * p)
//   TakeWorker:   O(requests in that worker's group)
// Not thread-safe: the scheduler's lock guards it. Callbacks are handed back, never called.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "scheduler/platform.h"
#include "scheduler/scheduler.h"

namespace kiln {

class PendingWorkRequests {
 public:
  struct Request {
    std::string worker_id;
    Scheduler::WorkCallback callback;
  };

  void Add(const Platform& offered, std::string worker_id, Scheduler::WorkCallback callback);
  // The oldest request whose worker can run an action requiring `required`.
  std::optional<Request> TakeFor(const Platform& required);
  // Whether TakeFor(required) would find one.
  bool CanServe(const Platform& required) const;
  // Every request of one worker (registered with `offered`), oldest first.
  std::vector<Request> TakeWorker(const Platform& offered, const std::string& worker_id);
  std::vector<Request> TakeAll();

  size_t size() const { return size_; }

 private:
  using Group = std::map<uint64_t, Request>;  // By arrival.

  std::map<Platform, Group> groups_;  // Never holds an empty group.
  uint64_t next_sequence_ = 0;
  size_t size_ = 0;
};

}  // namespace kiln
