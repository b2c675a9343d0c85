// The execution scheduler: queues actions by priority then arrival, hands them to workers
// whose platform satisfies them, merges identical in-flight actions, tracks operations and
// notifies watchers of every change. No gRPC and no threads of its own: all time comes
// from the injected Clock and time-based work happens in Tick(), so tests drive it with a
// FakeClock. Thread-safe.
//
// Callbacks (watch listeners, work-request callbacks) are invoked without the scheduler's
// lock held, possibly on the thread of the call that caused the change; they may call back
// into the scheduler but must not block for long.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "scheduler/operation.h"
#include "scheduler/platform.h"

namespace kiln {

// A validated action ready to run.
struct QueuedAction {
  std::string instance_name;
  Digest action_digest;  // Carries the digest function.
  reapi::Action action;
  reapi::Command command;
  Platform platform;
  // REAPI: lower values run sooner; 0 is the default.
  int32_t priority = 0;
  // False for do_not_cache actions: they are never merged with another request.
  bool mergeable = true;
};

// One attempt at running an operation, handed to a worker.
struct WorkAssignment {
  std::string operation_name;
  std::shared_ptr<const QueuedAction> action;
  int attempt = 1;  // 1 for the first try, more after a worker was lost.
  // Set when the operation is cancelled; the worker kills the action and reports.
  std::shared_ptr<std::atomic<bool>> cancelled;
};

struct SchedulerOptions {
  // How long finished operations stay resolvable by name (WaitExecution, GetOperation),
  // and how many at most, oldest forgotten first: ten minutes of cache hits at 20,000 a
  // second would otherwise be 12 million records. A client that finds its operation gone
  // executes again, and is answered from the action cache.
  Duration completed_retention = std::chrono::minutes(10);
  size_t max_retained_finished = 10'000;
  // How many times an action is re-queued after its worker disappeared before it fails
  // with UNAVAILABLE.
  int max_attempts = 3;
  // Actions waiting for a worker, at most; beyond, Enqueue is RESOURCE_EXHAUSTED. Each
  // holds its Action and Command (usually a few KiB) until it runs. 100,000 is about ten
  // times what the busiest builds keep waiting (hundreds of clients with --jobs in the
  // hundreds); `kiln serve --max-queued-actions`.
  size_t max_queued_actions = 100'000;
};

class Scheduler {
 public:
  using WatchId = uint64_t;
  using Listener = std::function<void(const OperationSnapshot&)>;
  using WorkCallback = std::function<void(std::optional<WorkAssignment>)>;

  Scheduler(const Clock* clock, const SchedulerOptions& options);
  ~Scheduler();

  // --- Client side ---

  // Queues `action`, or joins the operation of an identical mergeable action (same
  // instance, digest function and action digest) that is queued or running. Returns the
  // operation name. FAILED_PRECONDITION, at once, if no registered worker's platform can
  // satisfy the action's. RESOURCE_EXHAUSTED if it would have to wait while
  // max_queued_actions others do (joining an operation, or going straight to an idle
  // worker, always succeeds; actions re-queued after a lost worker are never refused).
  // UNAVAILABLE after Shutdown().
  StatusOr<std::string> Enqueue(QueuedAction action);
  // Records an operation that is already complete (an action cache hit).
  std::string AddCompleted(const Digest& action_digest, reapi::ExecuteResponse response);
  // Calls `listener` now with the current state, then after every change until the
  // operation is done (the done snapshot is the last call). NOT_FOUND for unknown names.
  StatusOr<WatchId> Watch(const std::string& operation_name, Listener listener);
  // No listener call starts after this returns; one running on another thread is waited
  // for (so do not hold a lock the listener takes), one on this thread (a listener
  // unwatching itself) is not. Unknown or finished ids are ignored.
  void Unwatch(WatchId id);
  StatusOr<OperationSnapshot> Get(const std::string& operation_name) const;
  // Operations known now (queued, running and retained finished ones), by name.
  std::vector<OperationSnapshot> List() const;
  // Queued: completes at once with CANCELLED. Running: flags the worker's assignment and
  // completes with CANCELLED. Done: no change. NOT_FOUND for unknown names.
  Status Cancel(const std::string& operation_name);

  // --- Worker side ---

  // Registers (or re-registers) a worker and what it offers. A worker may hold several
  // outstanding work requests (one per slot).
  void AddWorker(const std::string& worker_id, const Platform& platform);
  // The worker is gone: its running actions are re-queued (up to max_attempts) and its
  // outstanding work requests are answered with nullopt.
  void RemoveWorker(const std::string& worker_id);
  // Asks for the next action this worker can run. `callback` is called exactly once: with
  // an assignment (possibly right away, on this thread) or with nullopt when the request is
  // withdrawn (CancelWorkRequests, RemoveWorker, scheduler shutdown) or the worker is not
  // registered. Never polls: the request waits inside the scheduler until matching work is
  // enqueued.
  void RequestWork(const std::string& worker_id, WorkCallback callback);
  // Answers all of this worker's outstanding requests with nullopt.
  void CancelWorkRequests(const std::string& worker_id);
  // The worker started running the assignment (stage EXECUTING, metadata updated, and the
  // live output streams, if any, published).
  void ReportExecuting(const std::string& operation_name, const std::string& worker_id,
                       const OutputStreamNames& output_streams = {});
  // The worker finished the assignment. Ignored if the operation was meanwhile cancelled,
  // completed, or re-assigned to another worker.
  void ReportCompleted(const std::string& operation_name, const std::string& worker_id,
                       reapi::ExecuteResponse response);

  // Drops finished operations older than the retention period. Call periodically.
  void Tick();
  // Answers every outstanding work request with nullopt and refuses new ones.
  void Shutdown();

  size_t queued_count() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace kiln
