// The scheduler of a farm: its state lives in Redis, shared by every frontend, so that any
// frontend serves any operation and a frontend's death loses nothing but its connections.
// Behaviour: scheduler.h (both implementations pass the same contract tests).
//
// How it works (the scripts and keys: scheduler_scripts.h):
//   - Every change is one Lua script, atomic in Redis. The scripts return what changed, so
//     the frontend that made a change tells its own watchers at once.
//   - Other frontends hear of changes on one pub/sub channel ("NAME VERSION"); a frontend
//     that watches NAME, or handed it to one of its workers, reads it then. Versions only
//     grow, so a listener never sees an older state after a newer one; a state replaced
//     before the other frontend read it is skipped (a listener there may see QUEUED, then
//     COMPLETED), the done one never.
//   - Work: a worker's request parks in this frontend and is registered in Redis as idle.
//     Enqueue pushes a token onto the wake list of every frontend with an idle request that
//     could run the action; each frontend waits for tokens with one blocking BLPOP and then
//     claims (a script: pick the best queued action its worker can run, lease it). Nothing
//     polls: an idle frontend sends one BLPOP per wake_wait and one maintenance script per
//     maintenance interval.
//   - Leases: an assignment is leased to the frontend its worker is connected to, renewed by
//     its maintenance script. When a frontend dies, its leases run out and any frontend's
//     maintenance re-queues the actions (at most max_attempts tries in all). A worker that
//     reconnects to another frontend re-registers there, which renews its leases from then
//     on, so its result is still accepted.
//   - Redis unreachable: calls answer UNAVAILABLE (clients retry), except cache hits: their
//     operations, complete from the start, are kept in this frontend's memory meanwhile
//     (only this frontend can resolve them by name). Parked work requests stay parked, and
//     on reconnection this frontend re-registers its workers, re-reads what it watches, and
//     claims again.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "backplane/operation_fields.h"
#include "common/clock.h"
#include "redis/redis_client.h"
#include "redis/redis_script.h"
#include "scheduler/scheduler.h"
#include "scheduler/watcher.h"

namespace kiln {

struct RedisSchedulerOptions {
  // Keys are "kiln:{NAMESPACE}:...": one hash tag, so that in a Redis Cluster they share a
  // slot and one script can update them together. Farms sharing a Redis use different ones.
  std::string key_namespace = "kiln";
  // How long an assignment survives its frontend: re-queued at most this long after the
  // frontend that holds it stops renewing (it dies, or loses Redis).
  Duration lease = std::chrono::seconds(30);
  // How often Tick() runs the maintenance script (renew this frontend's leases, take back
  // expired ones, forget old operations); more often calls return at once. Assignments
  // expire up to this much after their deadline. Less than `lease`.
  Duration maintenance_interval = std::chrono::seconds(5);
  // How long one BLPOP for wake-up tokens blocks before it is sent again.
  Duration wake_wait = std::chrono::seconds(30);
};

// The maintenance interval that suits `lease`: a sixth of it, between 1 s and 5 s (5 s for
// the default 30 s lease). A renewal holds for `lease - interval`, so that must span several
// intervals: with a short lease and the 5 s interval, an assignment's lease ran out between
// two renewals and any frontend took the running action back and queued it again.
Duration MaintenanceIntervalFor(Duration lease);
// The shortest lease MaintenanceIntervalFor allows (three 1 s intervals).
inline constexpr Duration kMinimumLease = std::chrono::seconds(3);

// Starts listening to `channel`: `on_message(payload)` for each message, `on_subscribed()`
// after every (re)subscription (messages may have been lost before it). The listener stops
// when the returned handle is destroyed.
using EventSubscriber = std::function<StatusOr<std::shared_ptr<void>>(
    const std::string& channel, std::function<void(const std::string&)> on_message,
    std::function<void()> on_subscribed)>;

class RedisScheduler final : public Scheduler {
 public:
  // `client` must outlive the scheduler. Starts the wake-up thread and the subscription.
  static StatusOr<std::unique_ptr<RedisScheduler>> Start(redis::RedisClient* client, const EventSubscriber& subscribe,
                                                         const Clock* clock, const SchedulerOptions& options,
                                                         const RedisSchedulerOptions& backplane);
  ~RedisScheduler() override;

  StatusOr<std::string> Enqueue(const Caller& caller, QueuedAction action) override;
  StatusOr<std::string> AddCompleted(const Caller& caller, const Digest& action_digest,
                                     reapi::ExecuteResponse response, const std::string& instance_name = "") override;
  StatusOr<WatchId> Watch(const Caller& caller, const std::string& operation_name, Listener listener) override;
  void Unwatch(WatchId id) override;
  StatusOr<OperationSnapshot> Get(const Caller& caller, const std::string& operation_name) const override;
  std::vector<OperationSnapshot> List(const Caller& caller) const override;
  Status Cancel(const Caller& caller, const std::string& operation_name) override;

  void AddWorker(const std::string& worker_id, const Platform& platform, int slots = 0) override;
  void RemoveWorker(const std::string& worker_id) override;
  void RequestWork(const std::string& worker_id, WorkCallback callback) override;
  void CancelWorkRequests(const std::string& worker_id) override;
  void ReportExecuting(const std::string& operation_name, const std::string& worker_id, int attempt,
                       const OutputStreamNames& output_streams) override;
  StatusOr<std::optional<WorkAssignment>> FindAssignment(const std::string& operation_name,
                                                         const std::string& worker_id, int attempt) override;
  void ReportCompleted(const std::string& operation_name, const std::string& worker_id, int attempt,
                       reapi::ExecuteResponse response) override;

  void Tick() override;
  void Shutdown() override;
  size_t queued_count() const override;

  StatusOr<OperationPage> ListOperations(const OperationFilter& filter) const override;
  StatusOr<std::vector<WorkerInfo>> ListWorkers() const override;
  // The farm's, from Redis (one script call); the total of this frontend's view alone
  // (queued_count) when Redis cannot be asked.
  SchedulerLoad Load() const override;
  Status SetWorkerDrained(const std::string& worker_id, bool drained) override;

  // This frontend's id in the backplane (random; a restarted frontend is a new one).
  const std::string& frontend_id() const { return self_; }
  const RedisSchedulerOptions& backplane_options() const { return backplane_; }

 private:
  struct LocalWorker {
    Platform platform;
    std::string definition;  // PlatformDefinition(platform).
    int slots = 0;
    // Its last claim found it drained: its parked requests are not counted idle.
    bool drained = false;
    std::deque<WorkCallback> parked;
    // When `parked` last became non-empty (park_sequence_): ClaimAll serves the workers
    // that have waited longest first.
    uint64_t waiting_since = 0;
    // The token of the front request's last claim, when its answer was lost (Redis went
    // away mid-call): the next claim repeats it, so that an action it may have taken is
    // not left assigned to a worker that never heard of it.
    std::string uncertain_claim;
  };
  // A result Redis could not take when the worker reported it: retried in the background.
  struct PendingReport {
    std::string operation_name;
    std::string worker_id;
    int attempt = 0;
    reapi::ExecuteResponse response;
    TimePoint give_up;
  };
  struct LocalAssignment {
    std::string worker_id;
    int attempt = 0;
    std::shared_ptr<std::atomic<bool>> cancelled;
    int64_t version = 0;  // Of the operation, as last read here.
  };
  // A cache hit this frontend recorded: kept here a while, so that the client's Watch right
  // after needs no round trip; and while Redis is unreachable, kept only here.
  struct KeptCompletion {
    OperationSnapshot snapshot;
    std::string owner;
    TimePoint added;
    bool only_here = false;  // Redis was unreachable: not in Redis.
  };
  struct LocalWatch {
    std::shared_ptr<Watcher> watcher;
    int64_t version = 0;    // Of the last snapshot posted.
    bool active = false;    // False until Watch has checked the caller may see it.
    bool missed = false;    // A change came while inactive.
  };

  RedisScheduler(redis::RedisClient* client, const Clock* clock, const SchedulerOptions& options,
                 const RedisSchedulerOptions& backplane, std::string self);

  // One script call: ARGV[1] is the key prefix, `args` follow. UNAVAILABLE when Redis cannot
  // be reached, INTERNAL when the script fails.
  StatusOr<redis::Reply> Run(const redis::RedisScript& script, std::vector<std::string> args) const;
  StatusOr<std::optional<VersionedSnapshot>> FetchVisible(const Caller& caller, const std::string& name) const;
  int64_t NowMillis() const;
  // A cache hit kept here (KeptCompletion), if `caller` may see it.
  std::optional<OperationSnapshot> FindKept(const Caller& caller, const std::string& name) const;
  void ForgetOldKept();

  // Work. Claims serialize on claim_mutex_ (recursive: a callback may ask again), so that a
  // request withdrawn meanwhile is never answered with an assignment.
  bool ClaimFor(const std::string& worker_id);
  void ClaimAll();
  size_t IdleCount(const std::string& definition) const;  // REQUIRES: mutex_.
  void PublishIdle(const std::string& definition);
  void RunWaker();
  void RunReporter();
  // One try: false if Redis could not be reached (nothing changed then, or it is safe to
  // repeat: the script ignores a report of an attempt that is no longer current).
  bool TryReportCompleted(const std::string& operation_name, const std::string& worker_id, int attempt,
                          const reapi::ExecuteResponse& response);
  // The script call of Cancel; `dispatched`: the version it told watchers of.
  Status CancelOnce(const Caller& caller, const std::string& operation_name, int64_t& dispatched);
  // The script call of TryReportCompleted; `dispatched`: the version it told watchers of.
  bool ReportCompletedOnce(const std::string& operation_name, const std::string& worker_id, int attempt,
                           const reapi::ExecuteResponse& response, int64_t& dispatched);

  // Watchers and assignments of this frontend hear of a change. A change read by a refresh
  // (kRefreshed) while this frontend runs a local change on the operation is left to that
  // change's dispatch, which comes from the same or a newer state: else a refresh started by
  // an older event could read the local change's result and deliver it on its own thread,
  // after the local change had returned to its caller.
  enum class ChangeSource { kLocal, kRefreshed };
  void Dispatch(const VersionedSnapshot& change, ChangeSource source = ChangeSource::kLocal);
  void Refresh(const std::vector<std::string>& names);
  void OnEvent(const std::string& payload);
  // Around a script this frontend runs on one operation whose answer it dispatches itself:
  // the change's own pub/sub echo, which may arrive first, is left to that dispatch (so
  // that listeners hear of this frontend's changes on the thread that made them); an event
  // newer than what was dispatched is read after all.
  void BeginLocalChange(const std::string& name);
  void EndLocalChange(const std::string& name, int64_t dispatched_version);
  void Resync(bool reconnected);
  // Applies a {mine, touched...} reply of RemoveWorker or Maintain.
  void AfterTakeBacks(const redis::Reply& reply);

  redis::RedisClient* const client_;
  const Clock* const clock_;
  const SchedulerOptions options_;
  const RedisSchedulerOptions backplane_;
  const std::string self_;
  const std::string prefix_;  // "kiln:{NAMESPACE}:"
  const std::string anchor_;  // A key of the tag: routes the scripts.

  std::recursive_mutex claim_mutex_;
  mutable std::mutex mutex_;  // Guards what follows.
  bool shut_down_ = false;
  std::unordered_map<std::string, LocalWorker> workers_;
  std::unordered_map<std::string, LocalAssignment> assignments_;
  uint64_t park_sequence_ = 0;  // Under mutex_.
  std::atomic<bool> subscribed_once_{false};  // Resync(reconnected) from the second subscription on.
  std::unordered_map<std::string, std::map<WatchId, LocalWatch>> watched_;  // By operation name.
  std::unordered_map<WatchId, std::string> watch_names_;
  struct LocalChange {
    int running = 0;
    int64_t newest_event = 0;  // Of the events and refreshed reads left to the local dispatch meanwhile.
  };
  std::unordered_map<std::string, LocalChange> local_changes_;  // By operation name.
  WatchId next_watch_id_ = 1;
  std::optional<TimePoint> last_maintenance_;
  std::unordered_map<std::string, KeptCompletion> kept_;  // By name.
  void Keep(KeptCompletion completion);  // REQUIRES: mutex_ not held.
  std::deque<std::string> kept_order_;                       // Oldest first.

  std::atomic<bool> stopping_{false};
  std::mutex waker_mutex_;
  std::condition_variable waker_wakeup_;
  std::thread waker_;
  std::deque<PendingReport> pending_reports_;  // Guarded by waker_mutex_.
  std::thread reporter_;
  std::shared_ptr<void> subscription_;  // Last: stopped first.
};

}  // namespace kiln
