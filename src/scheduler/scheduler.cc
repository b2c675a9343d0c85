#include "scheduler/scheduler.h"

#include <algorithm>

#include "scheduler/scheduler_state.h"

namespace kiln {
namespace {

// Identical actions merge only within one instance and digest function. The instance name
// is length-prefixed so that no instance name can run into the digest part.
std::string MergeKey(const QueuedAction& action) {
  const Digest& digest = action.action_digest;
  return std::to_string(action.instance_name.size()) + ":" + action.instance_name + "/" +
         std::string(DigestFunctionName(digest.function())) + "/" + digest.ToString();
}

std::string DescribePlatform(const Platform& platform) {
  return platform.empty() ? "(no properties)" : platform.ToString();
}

}  // namespace

Scheduler::Scheduler(const Clock* clock, const SchedulerOptions& options)
    : state_(std::make_unique<State>(clock, options)) {}

Scheduler::~Scheduler() = default;

StatusOr<std::string> Scheduler::Enqueue(QueuedAction action) {
  Outbox out;
  std::string name;
  {
    std::lock_guard lock(state_->mutex);
    if (state_->shut_down) return Status::Unavailable("the scheduler is shutting down");
    if (!state_->AnyWorkerSatisfies(action.platform)) {
      return Status::FailedPrecondition("no worker offers platform " + DescribePlatform(action.platform));
    }
    std::string merge_key = action.mergeable ? MergeKey(action) : std::string();
    if (!merge_key.empty()) {
      if (auto joined = state_->in_flight.find(merge_key); joined != state_->in_flight.end()) {
        state_->Join(state_->operations.at(joined->second), action.priority);
        return joined->second;
      }
    }
    if (state_->queue.size() >= state_->options.max_queued_actions && !state_->requests.CanServe(action.platform)) {
      return Status::ResourceExhausted("the execution queue is full: " + std::to_string(state_->queue.size()) +
                                       " actions are waiting for a worker, as many as --max-queued-actions allows (" +
                                       std::to_string(state_->options.max_queued_actions) + "); retry later");
    }
    name = state_->NewOperationName();
    OperationRecord& op = state_->operations[name];
    op.snapshot.name = name;
    op.snapshot.action_digest = action.action_digest;
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

std::string Scheduler::AddCompleted(const Digest& action_digest, reapi::ExecuteResponse response) {
  std::lock_guard lock(state_->mutex);
  std::string name = state_->NewOperationName();
  OperationRecord& op = state_->operations[name];
  op.snapshot.name = name;
  op.snapshot.action_digest = action_digest;
  Outbox unused;  // Nobody can watch an operation that did not exist a moment ago.
  state_->Finish(op, std::move(response), unused);
  return name;
}

StatusOr<Scheduler::WatchId> Scheduler::Watch(const std::string& operation_name, Listener listener) {
  Outbox out;
  WatchId id;
  {
    std::lock_guard lock(state_->mutex);
    auto it = state_->operations.find(operation_name);
    if (it == state_->operations.end()) return Status::NotFound("operation " + operation_name + " is not known");
    OperationRecord& op = it->second;
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

void Scheduler::Unwatch(WatchId id) {
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

StatusOr<OperationSnapshot> Scheduler::Get(const std::string& operation_name) const {
  std::lock_guard lock(state_->mutex);
  auto it = state_->operations.find(operation_name);
  if (it == state_->operations.end()) return Status::NotFound("operation " + operation_name + " is not known");
  return it->second.snapshot;
}

std::vector<OperationSnapshot> Scheduler::List() const {
  std::vector<OperationSnapshot> snapshots;
  {
    std::lock_guard lock(state_->mutex);
    snapshots.reserve(state_->operations.size());
    for (const auto& [name, op] : state_->operations) snapshots.push_back(op.snapshot);
  }
  std::sort(snapshots.begin(), snapshots.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return snapshots;
}

Status Scheduler::Cancel(const std::string& operation_name) {
  Outbox out;
  {
    std::lock_guard lock(state_->mutex);
    auto it = state_->operations.find(operation_name);
    if (it == state_->operations.end()) return Status::NotFound("operation " + operation_name + " is not known");
    OperationRecord& op = it->second;
    if (op.snapshot.done) return Status::Ok();
    if (op.cancelled) op.cancelled->store(true);
    state_->Finish(op, ErrorResponse(StatusCode::kCancelled, "operation cancelled"), out);
  }
  state_->Flush(std::move(out));
  return Status::Ok();
}

void Scheduler::Tick() {
  std::lock_guard lock(state_->mutex);
  const TimePoint now = state_->clock->Now();
  auto& finished = state_->finished;
  while (!finished.empty() && now - finished.front().first > state_->options.completed_retention) {
    state_->operations.erase(finished.front().second);
    finished.pop_front();
  }
}

void Scheduler::Shutdown() {
  Outbox out;
  {
    std::lock_guard lock(state_->mutex);
    state_->shut_down = true;
    for (auto& request : state_->requests.TakeAll()) out.work.emplace_back(std::move(request.callback), std::nullopt);
  }
  state_->Flush(std::move(out));
}

size_t Scheduler::queued_count() const {
  std::lock_guard lock(state_->mutex);
  return state_->queue.size();
}

}  // namespace kiln
