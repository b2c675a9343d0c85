// The execution scheduler's interface: queues actions by priority then arrival, hands them to workers
// whose platform satisfies them, merges identical in-flight actions, tracks operations and
// notifies watchers of every change. Operations belong to the principals that created or
// joined them (scheduler/caller.h): others get NOT_FOUND, exactly as for an unknown name.
// An assignment whose worker stays silent past the action's timeout plus a grace period is
// taken back and re-queued. Two implementations pass the same contract tests
// (scheduler_contract_test.cc): InProcessScheduler, the single box's, and RedisScheduler, a
// farm's, whose state is shared by every frontend. No gRPC below this interface; time comes
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
#include "scheduler/caller.h"
#include "scheduler/operation.h"
#include "scheduler/platform.h"
#include "scheduler/scheduler_queries.h"

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
  // Wall-clock time the action was first queued (0: unknown), for the queued phase's
  // metric (execution/action_metrics.h); a re-queued action keeps it.
  int64_t queued_unix_nanos = 0;
};

// One attempt at running an operation, handed to a worker.
struct WorkAssignment {
  std::string operation_name;
  std::shared_ptr<const QueuedAction> action;
  // 1 for the first try, more after a worker was lost or stayed silent. Reports name it,
  // so that a late report of an abandoned attempt is never taken for a later one's.
  int attempt = 1;
  // Set when the operation is cancelled or the scheduler abandons this attempt (its worker
  // was lost or did not report in time); the worker kills the action, and its report, if
  // any, is ignored.
  std::shared_ptr<std::atomic<bool>> cancelled;
};

struct SchedulerOptions {
  // How long finished operations stay resolvable by name (WaitExecution, GetOperation),
  // and how many at most, oldest forgotten first: ten minutes of cache hits at 20,000 a
  // second would otherwise be 12 million records. A client that finds its operation gone
  // executes again, and is answered from the action cache.
  Duration completed_retention = std::chrono::minutes(10);
  size_t max_retained_finished = 10'000;
  // How many times an action is tried when its worker disappears or does not report in
  // time; then it fails with UNAVAILABLE.
  int max_attempts = 3;
  // An assignment whose worker has not reported a result this long after it was assigned
  // is abandoned (and the action re-queued): the action's timeout, which the worker
  // enforces (Action.timeout, or default_action_timeout when unset, capped at
  // max_action_timeout; kiln_server passes the workers' ActionExecutorOptions), plus
  // report_grace. Staging the inputs counts against the timeout on the worker; the grace
  // covers the rest: the assignment's way to the worker and the upload of the outputs
  // after the command ended (gigabytes from a remote worker take minutes). Generous on
  // purpose: expiring a slow but working worker wastes a whole run, and may do so on every
  // attempt; a silent worker only holds its client a few minutes longer.
  Duration default_action_timeout = std::chrono::minutes(15);
  Duration max_action_timeout = std::chrono::hours(3);
  Duration report_grace = std::chrono::minutes(5);
  // Actions waiting for a worker, at most; beyond, Enqueue is RESOURCE_EXHAUSTED. Each
  // holds its Action and Command (usually a few KiB) until it runs. 100,000 is about ten
  // times what the busiest builds keep waiting (hundreds of clients with --jobs in the
  // hundreds); `kiln serve --max-queued-actions`.
  size_t max_queued_actions = 100'000;
};

// What metrics show of a scheduler's queue and workers (Scheduler::Load).
struct SchedulerLoad {
  struct QueueGroup {
    std::string platform;  // Platform::ToString() of what the actions require; "" for none.
    int32_t priority = 0;
    size_t queued = 0;
  };
  std::vector<QueueGroup> queue;  // Actions waiting, by platform and priority.
  // Workers registered, and their slots running an action or waiting for one; -1 when
  // the scheduler does not tell.
  int64_t workers = -1;
  int64_t busy_slots = -1;
  int64_t idle_slots = -1;
};

class Scheduler {
 public:
  using WatchId = uint64_t;
  using Listener = std::function<void(const OperationSnapshot&)>;
  using WorkCallback = std::function<void(std::optional<WorkAssignment>)>;

  virtual ~Scheduler() = default;

  // --- Client side ---

  // Every call naming an operation answers NOT_FOUND, with the message of an unknown name,
  // when `caller` neither owns the operation nor is admin.

  // Queues `action`, or joins the operation of an identical mergeable action (same
  // instance, digest function and action digest) that is queued or running; either way
  // `caller` becomes an owner of the operation. Returns the operation name.
  // FAILED_PRECONDITION, at once, if no registered worker's platform can satisfy the
  // action's. RESOURCE_EXHAUSTED if it would have to wait while
  // max_queued_actions others do (joining an operation, or going straight to an idle
  // worker, always succeeds; actions re-queued after a lost worker are never refused).
  // UNAVAILABLE after Shutdown().
  virtual StatusOr<std::string> Enqueue(const Caller& caller, QueuedAction action) = 0;
  // Records an operation that is already complete (an action cache hit), owned by `caller`.
  virtual StatusOr<std::string> AddCompleted(const Caller& caller, const Digest& action_digest,
                                             reapi::ExecuteResponse response,
                                             const std::string& instance_name = "") = 0;
  // Calls `listener` now with the current state, then after every change until the
  // operation is done (the done snapshot is the last call). NOT_FOUND for unknown names.
  virtual StatusOr<WatchId> Watch(const Caller& caller, const std::string& operation_name, Listener listener) = 0;
  // No listener call starts after this returns; one running on another thread is waited
  // for (so do not hold a lock the listener takes), one on this thread (a listener
  // unwatching itself) is not. Unknown or finished ids are ignored.
  virtual void Unwatch(WatchId id) = 0;
  virtual StatusOr<OperationSnapshot> Get(const Caller& caller, const std::string& operation_name) const = 0;
  // The operations known now (queued, running and retained finished ones) that `caller`
  // owns, all of them for an admin; by name.
  virtual std::vector<OperationSnapshot> List(const Caller& caller) const = 0;
  // Queued: completes at once with CANCELLED. Running: flags the worker's assignment and
  // completes with CANCELLED. Done: no change. NOT_FOUND for unknown names.
  virtual Status Cancel(const Caller& caller, const std::string& operation_name) = 0;

  // --- Worker side ---

  // Registers (or re-registers) a worker and what it offers. A worker may hold several
  // outstanding work requests (one per slot); `slots` is how many it has (0: it did not
  // say), for listings only. A drained worker (SetWorkerDrained) stays drained when it
  // registers again.
  virtual void AddWorker(const std::string& worker_id, const Platform& platform, int slots = 0) = 0;
  // The worker is gone: its running actions are re-queued (up to max_attempts) and its
  // outstanding work requests are answered with nullopt.
  virtual void RemoveWorker(const std::string& worker_id) = 0;
  // Asks for the next action this worker can run. `callback` is called exactly once: with
  // an assignment (possibly right away, on this thread) or with nullopt when the request is
  // withdrawn (CancelWorkRequests, RemoveWorker, scheduler shutdown) or the worker is not
  // registered. Never polls: the request waits inside the scheduler until matching work is
  // enqueued.
  virtual void RequestWork(const std::string& worker_id, WorkCallback callback) = 0;
  // Answers all of this worker's outstanding requests with nullopt.
  virtual void CancelWorkRequests(const std::string& worker_id) = 0;
  // The worker started running the assignment (stage EXECUTING, metadata updated, and the
  // live output streams, if any, published). `attempt` is the assignment's.
  virtual void ReportExecuting(const std::string& operation_name, const std::string& worker_id, int attempt,
                               const OutputStreamNames& output_streams = {}) = 0;
  // The assignment `worker_id` holds now for `attempt` of the operation, if it does (the
  // operation is not done, that attempt was not taken back): how a frontend recognizes the
  // result of an action assigned through another frontend (or an earlier stream of the
  // worker's), which the worker reports through this one after it moved. nullopt
  // otherwise; UNAVAILABLE if the scheduler's state cannot be reached.
  virtual StatusOr<std::optional<WorkAssignment>> FindAssignment(const std::string& operation_name,
                                                                 const std::string& worker_id, int attempt) = 0;
  // The worker finished the assignment. Ignored unless it is still the current attempt and
  // still this worker's: not if the operation was meanwhile cancelled or completed, nor if
  // the attempt was abandoned (even when a later attempt went to the same worker).
  virtual void ReportCompleted(const std::string& operation_name, const std::string& worker_id, int attempt,
                               reapi::ExecuteResponse response) = 0;

  // Abandons assignments whose worker did not report in time (see report_grace) and drops
  // finished operations older than the retention period. Call periodically.
  virtual void Tick() = 0;
  // Answers every outstanding work request with nullopt and refuses new ones.
  virtual void Shutdown() = 0;

  // Actions waiting for a worker now.
  virtual size_t queued_count() const = 0;
  // The queue by platform and priority, and the workers' slots, for metrics (read at
  // scrape time). By default only the queue's length, under platform "*".
  virtual SchedulerLoad Load() const {
    SchedulerLoad load;
    load.queue.push_back({"*", 0, queued_count()});
    return load;
  }

  // --- Operators (scheduler_queries.h); no ownership checks: callers are admins ---

  // The operations known now (queued, running, retained finished ones) that match
  // `filter`, one page of them, newest first. UNAVAILABLE if the state cannot be reached.
  virtual StatusOr<OperationPage> ListOperations(const OperationFilter& filter) const = 0;
  // The registered workers, and drained ones that are not connected now; by id.
  virtual StatusOr<std::vector<WorkerInfo>> ListWorkers() const = 0;
  // A drained worker gets no new assignments: its work requests wait (it stays connected)
  // until it is undrained, and it finishes what it runs. The mark is kept by worker id, so
  // it holds when the worker reconnects, until undrained. NOT_FOUND for a worker that is
  // neither registered nor drained.
  virtual Status SetWorkerDrained(const std::string& worker_id, bool drained) = 0;
};

}  // namespace kiln
