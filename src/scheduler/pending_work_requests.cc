#include "scheduler/pending_work_requests.h"

#include <utility>

namespace kiln {

void PendingWorkRequests::Add(const Platform& offered, std::string worker_id, Scheduler::WorkCallback callback) {
  groups_[offered].emplace(next_sequence_++, Request{std::move(worker_id), std::move(callback)});
  ++size_;
}

std::optional<PendingWorkRequests::Request> PendingWorkRequests::TakeFor(const Platform& required) {
  auto best = groups_.end();
  for (auto group = groups_.begin(); group != groups_.end(); ++group) {
    const bool older = best == groups_.end() || group->second.begin()->first < best->second.begin()->first;
    if (older && group->first.Satisfies(required)) best = group;
  }
  if (best == groups_.end()) return std::nullopt;
  Request request = std::move(best->second.begin()->second);
  best->second.erase(best->second.begin());
  if (best->second.empty()) groups_.erase(best);
  --size_;
  return request;
}

bool PendingWorkRequests::CanServe(const Platform& required) const {
  for (const auto& [offered, group] : groups_) {
    if (offered.Satisfies(required)) return true;
  }
  return false;
}

std::vector<PendingWorkRequests::Request> PendingWorkRequests::TakeWorker(const Platform& offered,
                                                                          const std::string& worker_id) {
  std::vector<Request> taken;
  auto group = groups_.find(offered);
  if (group == groups_.end()) return taken;
  for (auto it = group->second.begin(); it != group->second.end();) {
    if (it->second.worker_id == worker_id) {
      taken.push_back(std::move(it->second));
      it = group->second.erase(it);
    } else {
      ++it;
    }
  }
  if (group->second.empty()) groups_.erase(group);
  size_ -= taken.size();
  return taken;
}

std::vector<PendingWorkRequests::Request> PendingWorkRequests::TakeAll() {
  std::vector<Request> taken;
  taken.reserve(size_);
  for (auto& [platform, group] : groups_) {
    for (auto& [sequence, request] : group) taken.push_back(std::move(request));
  }
  groups_.clear();
  size_ = 0;
  return taken;
}

}  // namespace kiln
