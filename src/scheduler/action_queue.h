// The actions waiting for a worker. They are grouped by the platform they require (one
// group per distinct platform, usually a handful) and ordered inside a group by priority,
// lower values first, then by arrival. A worker looking for work compares only the heads
// of the groups it can serve, so it never walks the waiting actions themselves:
//   Push, Remove:  O(log n)
//   PopBestFor:    O(G * p + log n)   G groups, p properties per platform, n queued actions
// Not thread-safe: the scheduler's lock guards it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "scheduler/platform.h"

namespace kiln {

class ActionQueue {
 public:
  // `sequence` orders equal priorities (smaller = earlier) and must be unique.
  void Push(const Platform& required, int32_t priority, uint64_t sequence, std::string operation_name);
  // Removes what Push added with the same arguments; false if it is not queued.
  bool Remove(const Platform& required, int32_t priority, uint64_t sequence);
  // Takes the best action that a worker offering `offered` can run, and returns its operation name.
  std::optional<std::string> PopBestFor(const Platform& offered);

  size_t size() const { return size_; }
  // How many actions wait per platform and priority (for metrics): O(n).
  struct Count {
    Platform platform;
    int32_t priority;
    size_t queued;
  };
  std::vector<Count> CountByPlatformAndPriority() const;

 private:
  using Rank = std::pair<int32_t, uint64_t>;  // (priority, sequence): smaller runs sooner.
  using Group = std::map<Rank, std::string>;

  std::map<Platform, Group> groups_;  // Never holds an empty group.
  size_t size_ = 0;
};

}  // namespace kiln
