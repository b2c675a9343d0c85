// The in-process scheduler's private state and the steps its public calls are made of.
// Split from in_process_scheduler.cc so that each file stays readable; nothing outside
// src/scheduler includes it.
//
// Cost, with n operations, G distinct platforms (usually a handful) and w watchers of one
// operation: Enqueue O(G + log n) (hash lookups for merging, the worker-platform check and
// the oldest matching idle request); RequestWork O(G + log n) (ActionQueue::PopBestFor);
// a state change O(w) to post one shared snapshot; Watch/Unwatch O(log w); Tick O(running +
// dropped), running being the assignments out with workers (at most their slots); List O(n).
// No thread per operation or watcher: listeners run on the thread that made the change.
//
// Locking: one mutex guards everything here. Whatever would run foreign code (work
// callbacks, watch listeners) is collected in an Outbox under the lock and run by Flush()
// after the lock is released, so callbacks may call back into the scheduler.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "scheduler/action_queue.h"
#include "scheduler/in_process_scheduler.h"
#include "scheduler/operation_owners.h"
#include "scheduler/pending_work_requests.h"
#include "scheduler/scheduler_messages.h"
#include "scheduler/watcher.h"

namespace kiln {

struct OperationRecord {
  OperationSnapshot snapshot;
  std::shared_ptr<const QueuedAction> action;  // Null for cache hits (AddCompleted).
  std::string merge_key;                       // Set while a mergeable action is in flight.
  int32_t priority = 0;
  uint64_t sequence = 0;  // Arrival order; kept on re-queue, so a retried action keeps its place.
  bool in_queue = false;
  int attempt = 0;        // Of the latest assignment.
  std::string worker_id;  // The current assignee; empty while queued and once done.
  TimePoint report_deadline;  // The current assignee must have reported by then.
  OperationOwners owners;
  std::shared_ptr<std::atomic<bool>> cancelled;  // Of the current assignment.
  std::map<Scheduler::WatchId, std::shared_ptr<Watcher>> watchers;  // Emptied when done.
};

struct WorkerRecord {
  Platform platform;
  int slots = 0;                            // As registered; 0: unknown.
  std::unordered_set<std::string> running;  // Operation names assigned to it.
  // Its work requests while it is drained: out of `requests`, so nothing is assigned to them.
  std::vector<Scheduler::WorkCallback> held;
};

struct WatchEntry {
  std::string operation_name;
  std::shared_ptr<Watcher> watcher;
};

// Side effects to run once the lock is released.
struct Outbox {
  std::vector<std::pair<Scheduler::WorkCallback, std::optional<WorkAssignment>>> work;
  std::vector<std::pair<Scheduler::WatchId, std::shared_ptr<Watcher>>> deliveries;
};

struct InProcessScheduler::State {
  State(const Clock* clock, const SchedulerOptions& options);

  // Why an assignment is taken back from its worker.
  enum class Loss { kWorkerGone, kNoReport };

  // --- Steps. REQUIRES: mutex held. ---
  // 128 bits from the kernel's CSPRNG.
  StatusOr<std::string> NewOperationName();
  // The operation if `caller` may see it; null for unknown names too.
  OperationRecord* FindVisible(const Caller& caller, const std::string& name);
  const OperationRecord* FindVisible(const Caller& caller, const std::string& name) const;
  bool AnyWorkerSatisfies(const Platform& required) const;
  // A request for an identical in-flight action joins `op`, possibly raising its priority.
  void Join(OperationRecord& op, int32_t priority);
  // Gives the operation to the longest-waiting matching request, or queues it.
  void Schedule(OperationRecord& op, Outbox& out);
  // Gives the worker the best queued action it can run, or parks the request (holds it,
  // for a drained worker).
  void ServeRequest(const std::string& worker_id, const Platform& offered, WorkCallback callback, Outbox& out);
  void Assign(OperationRecord& op, PendingWorkRequests::Request request, Outbox& out);
  // True while `worker_id` holds `attempt` of the operation, which is not done.
  static bool IsCurrentAssignment(const OperationRecord& op, const std::string& worker_id, int attempt) {
    return !op.snapshot.done && !op.worker_id.empty() && op.worker_id == worker_id && op.attempt == attempt;
  }
  // How long an assignee has to report the action's result (see report_grace).
  Duration ReportWindow(const QueuedAction& action) const;
  // Takes the assignment back from its worker: queue the operation again, or fail it
  // after max_attempts.
  void LoseAssignment(OperationRecord& op, Loss loss, Outbox& out);
  void Finish(OperationRecord& op, reapi::ExecuteResponse response, Outbox& out);
  // Posts the current snapshot to the operation's watchers; detaches them once done.
  void Publish(OperationRecord& op, Outbox& out);
  void RegisterWorkerPlatform(const Platform& offered);
  void UnregisterWorkerPlatform(const Platform& offered);

  // --- REQUIRES: mutex NOT held. ---
  void Flush(Outbox out);

  const Clock* const clock;
  const SchedulerOptions options;

  mutable std::mutex mutex;
  bool shut_down = false;
  std::unordered_map<std::string, OperationRecord> operations;  // By name.
  std::unordered_map<std::string, std::string> in_flight;        // Merge key -> operation name.
  ActionQueue queue;
  PendingWorkRequests requests;
  std::unordered_map<std::string, WorkerRecord> workers;  // By worker id.
  std::set<std::string> drained;                          // Worker ids, registered or not.
  std::map<Platform, int> worker_platforms;                // How many workers offer each.
  std::unordered_map<WatchId, WatchEntry> watches;
  std::deque<std::pair<TimePoint, std::string>> finished;  // Completion order (monotonic).
  uint64_t next_sequence = 0;
  WatchId next_watch_id = 1;
};

}  // namespace kiln
