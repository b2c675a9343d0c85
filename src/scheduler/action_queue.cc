#include "scheduler/action_queue.h"

namespace kiln {

void ActionQueue::Push(const Platform& required, int32_t priority, uint64_t sequence, std::string operation_name) {
  if (groups_[required].emplace(Rank{priority, sequence}, std::move(operation_name)).second) ++size_;
}

bool ActionQueue::Remove(const Platform& required, int32_t priority, uint64_t sequence) {
  auto group = groups_.find(required);
  if (group == groups_.end() || group->second.erase(Rank{priority, sequence}) == 0) return false;
  if (group->second.empty()) groups_.erase(group);
  --size_;
  return true;
}

std::optional<std::string> ActionQueue::PopBestFor(const Platform& offered) {
  auto best = groups_.end();
  for (auto group = groups_.begin(); group != groups_.end(); ++group) {
    const bool better = best == groups_.end() || group->second.begin()->first < best->second.begin()->first;
    if (better && offered.Satisfies(group->first)) best = group;
  }
  if (best == groups_.end()) return std::nullopt;
  std::string name = std::move(best->second.begin()->second);
  best->second.erase(best->second.begin());
  if (best->second.empty()) groups_.erase(best);
  --size_;
  return name;
}

std::vector<ActionQueue::Count> ActionQueue::CountByPlatformAndPriority() const {
  std::vector<Count> counts;
  for (const auto& [platform, group] : groups_) {
    for (const auto& [rank, name] : group) {
      // A group is ordered by priority first: equal priorities are adjacent.
      if (counts.empty() || counts.back().priority != rank.first || !(counts.back().platform == platform)) {
        counts.push_back({platform, rank.first, 0});
      }
      ++counts.back().queued;
    }
  }
  return counts;
}

}  // namespace kiln
