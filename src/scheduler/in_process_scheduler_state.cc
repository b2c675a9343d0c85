#include "scheduler/in_process_scheduler_state.h"

#include <algorithm>
#include <chrono>

#include "common/random_hex.h"

namespace kiln {

InProcessScheduler::State::State(const Clock* clock, const SchedulerOptions& options) : clock(clock), options(options) {}

StatusOr<std::string> InProcessScheduler::State::NewOperationName() {
  // Ownership decides who may use a name, but names stay unguessable too: a client must not
  // be able to derive other operations' names from its own (a seeded PRNG's output can be).
  while (true) {
    auto hex = RandomHex(16);
    if (!hex.ok()) return hex.status();
    std::string name = "operations/" + *hex;
    if (operations.count(name) == 0) return name;
  }
}

OperationRecord* InProcessScheduler::State::FindVisible(const Caller& caller, const std::string& name) {
  auto it = operations.find(name);
  if (it == operations.end()) return nullptr;
  return caller.admin || it->second.owners.Contains(caller.principal) ? &it->second : nullptr;
}

const OperationRecord* InProcessScheduler::State::FindVisible(const Caller& caller, const std::string& name) const {
  return const_cast<State*>(this)->FindVisible(caller, name);
}

bool InProcessScheduler::State::AnyWorkerSatisfies(const Platform& required) const {
  for (const auto& [offered, count] : worker_platforms) {
    if (offered.Satisfies(required)) return true;
  }
  return false;
}

void InProcessScheduler::State::Join(OperationRecord& op, int32_t priority) {
  // The more urgent request wins while the action still waits.
  if (!op.in_queue || priority >= op.priority) return;
  queue.Remove(op.action->platform, op.priority, op.sequence);
  op.priority = priority;
  queue.Push(op.action->platform, op.priority, op.sequence, op.snapshot.name);
}

void InProcessScheduler::State::Schedule(OperationRecord& op, Outbox& out) {
  if (auto request = requests.TakeFor(op.action->platform)) {
    Assign(op, std::move(*request), out);
    return;
  }
  queue.Push(op.action->platform, op.priority, op.sequence, op.snapshot.name);
  op.in_queue = true;
}

void InProcessScheduler::State::ServeRequest(const std::string& worker_id, const Platform& offered, WorkCallback callback,
                                    Outbox& out) {
  if (drained.count(worker_id) != 0) {
    workers.at(worker_id).held.push_back(std::move(callback));
    return;
  }
  if (std::optional<std::string> name = queue.PopBestFor(offered)) {
    OperationRecord& op = operations.at(*name);
    op.in_queue = false;
    Assign(op, {worker_id, std::move(callback)}, out);
    return;
  }
  requests.Add(offered, worker_id, std::move(callback));
}

void InProcessScheduler::State::Assign(OperationRecord& op, PendingWorkRequests::Request request, Outbox& out) {
  op.in_queue = false;
  op.worker_id = request.worker_id;
  ++op.attempt;
  op.cancelled = std::make_shared<std::atomic<bool>>(false);
  op.report_deadline = clock->Now() + ReportWindow(*op.action);
  workers.at(op.worker_id).running.insert(op.snapshot.name);
  out.work.emplace_back(std::move(request.callback),
                        WorkAssignment{op.snapshot.name, op.action, op.attempt, op.cancelled});
}

Duration InProcessScheduler::State::ReportWindow(const QueuedAction& action) const {
  return kiln::ReportWindow(action, options);
}

void InProcessScheduler::State::LoseAssignment(OperationRecord& op, Loss loss, Outbox& out) {
  // The worker may only be unreachable or stuck, not dead: tell its copy to stop. Its
  // report, should one still come, names an attempt that is no longer current.
  op.cancelled->store(true);
  op.cancelled.reset();
  const std::string worker_id = std::exchange(op.worker_id, std::string());
  if (auto worker = workers.find(worker_id); worker != workers.end()) worker->second.running.erase(op.snapshot.name);
  if (op.attempt >= options.max_attempts) {
    const std::string what =
        loss == Loss::kWorkerGone
            ? " was lost while running the action"
            : " did not report a result in time (the action's timeout plus " +
                  std::to_string(std::chrono::duration_cast<std::chrono::seconds>(options.report_grace).count()) +
                  " s of grace, " +
                  std::to_string(std::chrono::duration_cast<std::chrono::seconds>(ReportWindow(*op.action)).count()) +
                  " s in all)";
    const std::string message =
        "worker " + worker_id + what + "; gave up after " + std::to_string(op.attempt) + " attempts";
    Finish(op, ErrorResponse(StatusCode::kUnavailable, message), out);
    return;
  }
  const bool was_executing = op.snapshot.stage == ExecutionStage::kExecuting;
  op.snapshot.stage = ExecutionStage::kQueued;
  op.snapshot.partial_metadata.clear_worker();
  op.snapshot.partial_metadata.clear_worker_start_timestamp();
  op.snapshot.stdout_stream_name.clear();  // The next attempt gets streams of its own.
  op.snapshot.stderr_stream_name.clear();
  // A silent worker is still connected: its stream learns from this update that the
  // attempt was taken back (whether or not it said it started).
  if (was_executing || loss == Loss::kNoReport) Publish(op, out);
  Schedule(op, out);
}

void InProcessScheduler::State::Finish(OperationRecord& op, reapi::ExecuteResponse response, Outbox& out) {
  if (op.in_queue) {
    queue.Remove(op.action->platform, op.priority, op.sequence);
    op.in_queue = false;
  }
  if (!op.worker_id.empty()) {
    auto worker = workers.find(op.worker_id);  // Gone already if it was lost.
    if (worker != workers.end()) worker->second.running.erase(op.snapshot.name);
    op.worker_id.clear();
  }
  if (!op.merge_key.empty()) {
    in_flight.erase(op.merge_key);
    op.merge_key.clear();
  }
  op.snapshot.stage = ExecutionStage::kCompleted;
  op.snapshot.done = true;
  op.snapshot.response = std::move(response);
  // A finished operation is kept only to be looked up: its Action and Command can go.
  op.action.reset();
  op.cancelled.reset();
  finished.emplace_back(clock->Now(), op.snapshot.name);
  Publish(op, out);
  // The oldest finished operations go early when there are too many (never `op` itself).
  while (finished.size() > std::max<size_t>(1, options.max_retained_finished)) {
    operations.erase(finished.front().second);
    finished.pop_front();
  }
}

void InProcessScheduler::State::Publish(OperationRecord& op, Outbox& out) {
  if (op.watchers.empty()) return;
  // One copy shared by every watcher: responses can be large and watchers many.
  auto snapshot = std::make_shared<const OperationSnapshot>(op.snapshot);
  for (const auto& [id, watcher] : op.watchers) {
    watcher->Post(snapshot);
    out.deliveries.emplace_back(id, watcher);
  }
  if (op.snapshot.done) op.watchers.clear();
}

void InProcessScheduler::State::RegisterWorkerPlatform(const Platform& offered) { ++worker_platforms[offered]; }

void InProcessScheduler::State::UnregisterWorkerPlatform(const Platform& offered) {
  auto it = worker_platforms.find(offered);
  if (it != worker_platforms.end() && --it->second == 0) worker_platforms.erase(it);
}

void InProcessScheduler::State::Flush(Outbox out) {
  for (auto& [callback, assignment] : out.work) callback(std::move(assignment));
  std::vector<WatchId> ended;
  for (const auto& [id, watcher] : out.deliveries) {
    if (watcher->Deliver()) ended.push_back(id);
  }
  if (ended.empty()) return;
  std::vector<WatchEntry> released;  // Destroyed after the lock: listeners own captures.
  std::lock_guard lock(mutex);
  for (WatchId id : ended) {
    auto it = watches.find(id);
    if (it == watches.end()) continue;
    released.push_back(std::move(it->second));
    watches.erase(it);
  }
}

}  // namespace kiln
