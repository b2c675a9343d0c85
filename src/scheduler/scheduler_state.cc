#include "scheduler/scheduler_state.h"

#include <algorithm>
#include <chrono>
#include <cstdio>

namespace kiln {

google::protobuf::Timestamp WallClockNow() {
  const auto since_epoch = std::chrono::system_clock::now().time_since_epoch();
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(since_epoch);
  google::protobuf::Timestamp timestamp;
  timestamp.set_seconds(seconds.count());
  const auto nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(since_epoch - seconds);
  timestamp.set_nanos(static_cast<int32_t>(nanos.count()));
  return timestamp;
}

reapi::ExecuteResponse ErrorResponse(StatusCode code, const std::string& message) {
  reapi::ExecuteResponse response;
  response.mutable_status()->set_code(static_cast<int>(code));
  response.mutable_status()->set_message(message);
  return response;
}

Scheduler::State::State(const Clock* clock, const SchedulerOptions& options) : clock(clock), options(options) {
  std::random_device entropy;
  std::seed_seq seed{entropy(), entropy(), entropy(), entropy(), entropy(), entropy(), entropy(), entropy()};
  random.seed(seed);
}

std::string Scheduler::State::NewOperationName() {
  // 128 random bits: names are the only handle on an operation, so they must not be guessable
  // from one another in practice.
  std::string name;
  do {
    char hex[33];
    std::snprintf(hex, sizeof hex, "%016llx%016llx", static_cast<unsigned long long>(random()),
                  static_cast<unsigned long long>(random()));
    name = std::string("operations/") + hex;
  } while (operations.count(name) != 0);
  return name;
}

bool Scheduler::State::AnyWorkerSatisfies(const Platform& required) const {
  for (const auto& [offered, count] : worker_platforms) {
    if (offered.Satisfies(required)) return true;
  }
  return false;
}

void Scheduler::State::Join(OperationRecord& op, int32_t priority) {
  // The more urgent request wins while the action still waits.
  if (!op.in_queue || priority >= op.priority) return;
  queue.Remove(op.action->platform, op.priority, op.sequence);
  op.priority = priority;
  queue.Push(op.action->platform, op.priority, op.sequence, op.snapshot.name);
}

void Scheduler::State::Schedule(OperationRecord& op, Outbox& out) {
  if (auto request = requests.TakeFor(op.action->platform)) {
    Assign(op, std::move(*request), out);
    return;
  }
  queue.Push(op.action->platform, op.priority, op.sequence, op.snapshot.name);
  op.in_queue = true;
}

void Scheduler::State::ServeRequest(const std::string& worker_id, const Platform& offered, WorkCallback callback,
                                    Outbox& out) {
  if (std::optional<std::string> name = queue.PopBestFor(offered)) {
    OperationRecord& op = operations.at(*name);
    op.in_queue = false;
    Assign(op, {worker_id, std::move(callback)}, out);
    return;
  }
  requests.Add(offered, worker_id, std::move(callback));
}

void Scheduler::State::Assign(OperationRecord& op, PendingWorkRequests::Request request, Outbox& out) {
  op.in_queue = false;
  op.worker_id = request.worker_id;
  ++op.attempt;
  op.cancelled = std::make_shared<std::atomic<bool>>(false);
  workers.at(op.worker_id).running.insert(op.snapshot.name);
  out.work.emplace_back(std::move(request.callback),
                        WorkAssignment{op.snapshot.name, op.action, op.attempt, op.cancelled});
}

void Scheduler::State::LoseAssignment(OperationRecord& op, const std::string& worker_id, Outbox& out) {
  // The worker may only be unreachable, not dead: tell its copy to stop.
  op.cancelled->store(true);
  op.cancelled.reset();
  op.worker_id.clear();
  if (op.attempt >= options.max_attempts) {
    const std::string message = "worker " + worker_id + " was lost while running the action; gave up after " +
                                std::to_string(op.attempt) + " attempts";
    Finish(op, ErrorResponse(StatusCode::kUnavailable, message), out);
    return;
  }
  const bool was_executing = op.snapshot.stage == ExecutionStage::kExecuting;
  op.snapshot.stage = ExecutionStage::kQueued;
  op.snapshot.partial_metadata.clear_worker();
  op.snapshot.partial_metadata.clear_worker_start_timestamp();
  op.snapshot.stdout_stream_name.clear();  // The next attempt gets streams of its own.
  op.snapshot.stderr_stream_name.clear();
  if (was_executing) Publish(op, out);
  Schedule(op, out);
}

void Scheduler::State::Finish(OperationRecord& op, reapi::ExecuteResponse response, Outbox& out) {
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

void Scheduler::State::Publish(OperationRecord& op, Outbox& out) {
  if (op.watchers.empty()) return;
  // One copy shared by every watcher: responses can be large and watchers many.
  auto snapshot = std::make_shared<const OperationSnapshot>(op.snapshot);
  for (const auto& [id, watcher] : op.watchers) {
    watcher->Post(snapshot);
    out.deliveries.emplace_back(id, watcher);
  }
  if (op.snapshot.done) op.watchers.clear();
}

void Scheduler::State::RegisterWorkerPlatform(const Platform& offered) { ++worker_platforms[offered]; }

void Scheduler::State::UnregisterWorkerPlatform(const Platform& offered) {
  auto it = worker_platforms.find(offered);
  if (it != worker_platforms.end() && --it->second == 0) worker_platforms.erase(it);
}

void Scheduler::State::Flush(Outbox out) {
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
