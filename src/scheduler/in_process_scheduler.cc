#include "scheduler/in_process_scheduler.h"

#include <algorithm>

#include "scheduler/in_process_scheduler_state.h"

namespace kiln {
InProcessScheduler::InProcessScheduler(const Clock* clock, const SchedulerOptions& options)
    : state_(std::make_unique<State>(clock, options)) {}

InProcessScheduler::~InProcessScheduler() = default;

StatusOr<std::string> InProcessScheduler::Enqueue(const Caller& caller, QueuedAction action) {
  Outbox out;
  std::string name;
  {
    std::lock_guard lock(state_->mutex);
    if (state_->shut_down) return Status::Unavailable("the scheduler is shutting down");
    if (!state_->AnyWorkerSatisfies(action.platform)) {
      return NoWorkerFor(action.platform);
    }
    std::string merge_key = action.mergeable ? MergeKey(action) : std::string();
    if (!merge_key.empty()) {
      if (auto joined = state_->in_flight.find(merge_key); joined != state_->in_flight.end()) {
        OperationRecord& op = state_->operations.at(joined->second);
        op.owners.Add(caller.principal);
        state_->Join(op, action.priority);
        return joined->second;
      }
    }
    if (state_->queue.size() >= state_->options.max_queued_actions && !state_->requests.CanServe(action.platform)) {
      return QueueFull(state_->queue.size(), state_->options.max_queued_actions);
    }
    auto new_name = state_->NewOperationName();
    if (!new_name.ok()) return new_name.status();
    name = std::move(new_name).value();
    OperationRecord& op = state_->operations[name];
    op.snapshot.name = name;
    op.snapshot.action_digest = action.action_digest;
    op.snapshot.instance_name = action.instance_name;
    op.snapshot.created_unix_nanos = UnixNanosNow(*state_->clock);
    op.owners.Add(caller.principal);
    op.snapshot.stage = ExecutionStage::kQueued;
    *op.snapshot.partial_metadata.mutable_queued_timestamp() = WallClockNow();
    op.priority = action.priority;
    op.sequence = state_->next_sequence++;
    if (!merge_key.empty()) state_->in_flight.emplace(merge_key, name);
    op.merge_key = std::move(merge_key);
    op.action = std::make_shared<const QueuedAction>(std::move(action));
    state_->Schedule(op, out);
  }
  state_->Flush(std::move(out));
  return name;
}

StatusOr<std::string> InProcessScheduler::AddCompleted(const Caller& caller, const Digest& action_digest,
                                                       reapi::ExecuteResponse response,
                                                       const std::string& instance_name) {
  std::lock_guard lock(state_->mutex);
  auto name = state_->NewOperationName();
  if (!name.ok()) return name.status();
  OperationRecord& op = state_->operations[*name];
  op.snapshot.name = *name;
  op.snapshot.action_digest = action_digest;
  op.snapshot.instance_name = instance_name;
  op.snapshot.created_unix_nanos = UnixNanosNow(*state_->clock);
  op.owners.Add(caller.principal);
  Outbox unused;  // Nobody can watch an operation that did not exist a moment ago.
  state_->Finish(op, std::move(response), unused);
  return name;
}

StatusOr<Scheduler::WatchId> InProcessScheduler::Watch(const Caller& caller, const std::string& operation_name,
                                               Listener listener) {
  Outbox out;
  WatchId id;
  {
    std::lock_guard lock(state_->mutex);
    OperationRecord* found = state_->FindVisible(caller, operation_name);
    if (found == nullptr) return UnknownOperation(operation_name);
    OperationRecord& op = *found;
    id = state_->next_watch_id++;
    auto watcher = std::make_shared<Watcher>(std::move(listener));
    watcher->Post(std::make_shared<const OperationSnapshot>(op.snapshot));
    state_->watches.emplace(id, WatchEntry{operation_name, watcher});
    if (!op.snapshot.done) op.watchers.emplace(id, watcher);
    out.deliveries.emplace_back(id, std::move(watcher));
  }
  state_->Flush(std::move(out));
  return id;
}

void InProcessScheduler::Unwatch(WatchId id) {
  WatchEntry entry;
  {
    std::lock_guard lock(state_->mutex);
    auto it = state_->watches.find(id);
    if (it == state_->watches.end()) return;
    entry = std::move(it->second);
    state_->watches.erase(it);
    if (auto op = state_->operations.find(entry.operation_name); op != state_->operations.end()) {
      op->second.watchers.erase(id);
    }
  }
  entry.watcher->Stop();
}

StatusOr<OperationSnapshot> InProcessScheduler::Get(const Caller& caller, const std::string& operation_name) const {
  std::lock_guard lock(state_->mutex);
  const OperationRecord* op = state_->FindVisible(caller, operation_name);
  if (op == nullptr) return UnknownOperation(operation_name);
  return op->snapshot;
}

std::vector<OperationSnapshot> InProcessScheduler::List(const Caller& caller) const {
  std::vector<OperationSnapshot> snapshots;
  {
    std::lock_guard lock(state_->mutex);
    if (caller.admin) snapshots.reserve(state_->operations.size());
    for (const auto& [name, op] : state_->operations) {
      if (caller.admin || op.owners.Contains(caller.principal)) snapshots.push_back(op.snapshot);
    }
  }
  std::sort(snapshots.begin(), snapshots.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return snapshots;
}

Status InProcessScheduler::Cancel(const Caller& caller, const std::string& operation_name) {
  Outbox out;
  {
    std::lock_guard lock(state_->mutex);
    OperationRecord* found = state_->FindVisible(caller, operation_name);
    if (found == nullptr) return UnknownOperation(operation_name);
    OperationRecord& op = *found;
    if (op.snapshot.done) return Status::Ok();
    if (op.cancelled) op.cancelled->store(true);
    state_->Finish(op, ErrorResponse(StatusCode::kCancelled, "operation cancelled"), out);
  }
  state_->Flush(std::move(out));
  return Status::Ok();
}

void InProcessScheduler::Tick() {
  Outbox out;
  {
    std::lock_guard lock(state_->mutex);
    const TimePoint now = state_->clock->Now();
    // A worker that took an action and went quiet, connection open, would hold its client
    // forever: its assignment expires. Collected first: losing one edits the running sets.
    std::vector<std::string> expired;
    for (const auto& [worker_id, worker] : state_->workers) {
      for (const std::string& name : worker.running) {
        if (now > state_->operations.at(name).report_deadline) expired.push_back(name);
      }
    }
    for (const std::string& name : expired) {
      state_->LoseAssignment(state_->operations.at(name), State::Loss::kNoReport, out);
    }
    auto& finished = state_->finished;
    while (!finished.empty() && now - finished.front().first > state_->options.completed_retention) {
      state_->operations.erase(finished.front().second);
      finished.pop_front();
    }
  }
  state_->Flush(std::move(out));
}

void InProcessScheduler::Shutdown() {
  Outbox out;
  {
    std::lock_guard lock(state_->mutex);
    state_->shut_down = true;
    for (auto& request : state_->requests.TakeAll()) out.work.emplace_back(std::move(request.callback), std::nullopt);
    for (auto& [id, worker] : state_->workers) {
      for (auto& callback : std::exchange(worker.held, {})) out.work.emplace_back(std::move(callback), std::nullopt);
    }
  }
  state_->Flush(std::move(out));
}

size_t InProcessScheduler::queued_count() const {
  std::lock_guard lock(state_->mutex);
  return state_->queue.size();
}

SchedulerLoad InProcessScheduler::Load() const {
  SchedulerLoad load;
  std::lock_guard lock(state_->mutex);
  // O(queued actions) under the lock: once per scrape, a millisecond for 100,000 actions.
  for (const auto& [platform, priority, queued] : state_->queue.CountByPlatformAndPriority()) {
    load.queue.push_back({platform.ToString(), priority, queued});
  }
  load.workers = static_cast<int64_t>(state_->workers.size());
  load.busy_slots = 0;
  for (const auto& [id, worker] : state_->workers) load.busy_slots += static_cast<int64_t>(worker.running.size());
  load.idle_slots = static_cast<int64_t>(state_->requests.size());
  return load;
}

}  // namespace kiln
