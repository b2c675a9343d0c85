// The operators' side of InProcessScheduler: listings and drains (scheduler_queries.h).
#include <algorithm>

#include "scheduler/in_process_scheduler.h"
#include "scheduler/in_process_scheduler_state.h"

namespace kiln {

StatusOr<OperationPage> InProcessScheduler::ListOperations(const OperationFilter& filter) const {
  std::vector<OperationSnapshot> matching;
  {
    std::lock_guard lock(state_->mutex);
    for (const auto& [name, op] : state_->operations) {
      if (MatchesFilter(filter, op.snapshot)) matching.push_back(op.snapshot);
    }
  }
  return PageOf(std::move(matching), filter);
}

StatusOr<std::vector<WorkerInfo>> InProcessScheduler::ListWorkers() const {
  std::vector<WorkerInfo> workers;
  {
    std::lock_guard lock(state_->mutex);
    for (const auto& [id, record] : state_->workers) {
      WorkerInfo info;
      info.id = id;
      info.platform = record.platform;
      info.slots = record.slots;
      info.running.assign(record.running.begin(), record.running.end());
      std::sort(info.running.begin(), info.running.end());
      info.drained = state_->drained.count(id) != 0;
      workers.push_back(std::move(info));
    }
    for (const std::string& id : state_->drained) {
      if (state_->workers.count(id) != 0) continue;
      WorkerInfo info;
      info.id = id;
      info.drained = true;
      info.connected = false;
      workers.push_back(std::move(info));
    }
  }
  std::sort(workers.begin(), workers.end(), [](const WorkerInfo& a, const WorkerInfo& b) { return a.id < b.id; });
  return workers;
}

Status InProcessScheduler::SetWorkerDrained(const std::string& worker_id, bool drained) {
  Outbox out;
  {
    std::lock_guard lock(state_->mutex);
    auto worker = state_->workers.find(worker_id);
    const bool registered = worker != state_->workers.end();
    if (!registered && state_->drained.count(worker_id) == 0) {
      return Status::NotFound("no worker \"" + worker_id + "\" is connected or drained");
    }
    if (drained) {
      state_->drained.insert(worker_id);
      if (!registered) return Status::Ok();
      // Its idle slots' requests leave the pool that Schedule assigns from.
      for (auto& request : state_->requests.TakeWorker(worker->second.platform, worker_id)) {
        worker->second.held.push_back(std::move(request.callback));
      }
    } else {
      state_->drained.erase(worker_id);
      if (!registered) return Status::Ok();
      // Oldest first, as they came: each takes the best queued action, or waits again.
      for (auto& callback : std::exchange(worker->second.held, {})) {
        state_->ServeRequest(worker_id, worker->second.platform, std::move(callback), out);
      }
    }
  }
  state_->Flush(std::move(out));
  return Status::Ok();
}

}  // namespace kiln
