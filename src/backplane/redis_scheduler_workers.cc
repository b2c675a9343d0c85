// The worker side of RedisScheduler: registration, work requests, claims and reports.
#include <algorithm>
#include <chrono>
#include <utility>

#include "backplane/platform_definition.h"
#include "backplane/redis_scheduler.h"
#include "backplane/scheduler_scripts.h"
#include "common/hasher.h"
#include "common/logger.h"
#include "common/random_hex.h"
#include "scheduler/scheduler_messages.h"

namespace kiln {
namespace {

namespace scripts = backplane_scripts;
using redis::Reply;

// Withdraws a worker's parked requests (to be answered with nullopt outside the locks).
std::vector<Scheduler::WorkCallback> TakeParked(std::deque<Scheduler::WorkCallback>& parked) {
  std::vector<Scheduler::WorkCallback> taken(std::make_move_iterator(parked.begin()),
                                             std::make_move_iterator(parked.end()));
  parked.clear();
  return taken;
}

void Complain(const std::string& what, const Status& status) { LogWarning(what + ": " + status.ToString()); }

}  // namespace

void RedisScheduler::AddWorker(const std::string& worker_id, const Platform& platform, int slots) {
  const std::string definition = PlatformDefinition(platform);
  auto reply = Run(scripts::AddWorker(), {self_, worker_id, definition, std::to_string(slots)});
  if (!reply.ok()) Complain("registering worker " + worker_id, reply.status());  // Resync retries.
  std::string old_definition;
  bool changed = false;
  {
    std::lock_guard lock(mutex_);
    auto [it, added] = workers_.try_emplace(worker_id);
    changed = !added && it->second.definition != definition;
    old_definition = it->second.definition;
    it->second.platform = platform;
    it->second.definition = definition;
    it->second.slots = slots;
  }
  if (changed) {
    // Offering something new may make queued actions runnable for the waiting slots.
    PublishIdle(old_definition);
    ClaimFor(worker_id);
  }
}

void RedisScheduler::RemoveWorker(const std::string& worker_id) {
  std::vector<WorkCallback> withdrawn;
  std::vector<std::shared_ptr<std::atomic<bool>>> lost;
  std::string definition;
  {
    std::lock_guard claims(claim_mutex_);
    {
      std::lock_guard lock(mutex_);
      auto it = workers_.find(worker_id);
      if (it == workers_.end()) return;
      withdrawn = TakeParked(it->second.parked);
      definition = it->second.definition;
      workers_.erase(it);
      for (auto a = assignments_.begin(); a != assignments_.end();) {
        if (a->second.worker_id != worker_id) {
          ++a;
          continue;
        }
        lost.push_back(a->second.cancelled);
        a = assignments_.erase(a);
      }
    }
    PublishIdle(definition);
  }
  // The worker may only be unreachable, not dead: tell its copies to stop.
  for (auto& flag : lost) flag->store(true);
  for (auto& callback : withdrawn) callback(std::nullopt);
  auto reply = Run(scripts::RemoveWorker(),
                   {self_, worker_id, std::to_string(NowMillis()), std::to_string(options_.max_attempts),
                    std::to_string(options_.max_retained_finished),
                    std::to_string(std::chrono::duration_cast<std::chrono::seconds>(options_.report_grace).count())});
  if (!reply.ok()) {
    // Its leases are no longer renewed: the actions come back when they run out.
    Complain("unregistering worker " + worker_id, reply.status());
    return;
  }
  AfterTakeBacks(*reply);
}

void RedisScheduler::RequestWork(const std::string& worker_id, WorkCallback callback) {
  {
    std::lock_guard lock(mutex_);
    auto worker = workers_.find(worker_id);
    if (!shut_down_ && worker != workers_.end()) {
      if (worker->second.parked.empty()) worker->second.waiting_since = ++park_sequence_;
      worker->second.parked.push_back(std::move(callback));
      callback = nullptr;
    }
  }
  if (callback) {
    callback(std::nullopt);
    return;
  }
  ClaimFor(worker_id);
}

void RedisScheduler::CancelWorkRequests(const std::string& worker_id) {
  std::vector<WorkCallback> withdrawn;
  std::string definition;
  {
    std::lock_guard claims(claim_mutex_);
    {
      std::lock_guard lock(mutex_);
      auto it = workers_.find(worker_id);
      if (it == workers_.end()) return;
      withdrawn = TakeParked(it->second.parked);
      definition = it->second.definition;
    }
    PublishIdle(definition);
  }
  for (auto& callback : withdrawn) callback(std::nullopt);
}

size_t RedisScheduler::IdleCount(const std::string& definition) const {
  size_t idle = 0;
  for (const auto& [id, worker] : workers_) {
    if (worker.definition == definition && !worker.drained) idle += worker.parked.size();
  }
  return idle;
}

void RedisScheduler::PublishIdle(const std::string& definition) {
  // Serialized with claims, which set the same count: a count read before a claim must not
  // be written after it.
  std::lock_guard claims(claim_mutex_);
  size_t idle;
  {
    std::lock_guard lock(mutex_);
    idle = IdleCount(definition);
  }
  // The scripts key idle requests by the platform's SHA-1 (redis.sha1hex, lowercase hex).
  const std::string hash = ComputeDigest(DigestFunction::kSha1, definition).hash();
  auto reply = client_->Run(anchor_, {"HSET", prefix_ + "idle", self_ + "|" + hash, std::to_string(idle)});
  if (!reply.ok()) Complain("publishing idle work requests", reply.status());
}

bool RedisScheduler::ClaimFor(const std::string& worker_id) {
  std::lock_guard claims(claim_mutex_);
  WorkCallback callback;
  std::string idle_if_none, idle_if_assigned, token;
  {
    std::lock_guard lock(mutex_);
    auto worker = workers_.find(worker_id);
    if (worker == workers_.end() || worker->second.parked.empty()) return false;
    callback = std::move(worker->second.parked.front());
    worker->second.parked.pop_front();
    token = std::exchange(worker->second.uncertain_claim, std::string());
    // Taken for undrained until the claim says otherwise (undrains come as a wake-up).
    worker->second.drained = false;
    const size_t idle = IdleCount(worker->second.definition);
    idle_if_none = std::to_string(idle + 1);
    idle_if_assigned = std::to_string(idle);
  }
  if (token.empty()) {
    auto hex = RandomHex(16);
    if (!hex.ok()) {
      Complain("claiming work for " + worker_id, hex.status());
      token = "";
    } else {
      token = *hex;
    }
  }
  // `uncertain`: the claim's answer was lost, so the next one must repeat its token.
  auto put_back = [&](bool uncertain) {
    {
      std::lock_guard lock(mutex_);
      auto worker = workers_.find(worker_id);
      if (worker != workers_.end() && !shut_down_) {
        worker->second.parked.push_front(std::move(callback));
        if (uncertain) worker->second.uncertain_claim = token;
        return;
      }
    }
    callback(std::nullopt);  // Withdrawn meanwhile.
  };
  const std::string lease = MillisText(backplane_.lease - backplane_.maintenance_interval);
  auto reply = Run(scripts::Claim(), {self_, worker_id, std::to_string(NowMillis()), lease, idle_if_none,
                                      idle_if_assigned, token});
  if (reply.ok() && !reply->elements.empty() && ReplyText(reply->elements[0]) == "noworker") {
    // Redis forgot this worker (it restarted, or took this frontend for dead): register again.
    std::string definition;
    int slots = 0;
    {
      std::lock_guard lock(mutex_);
      if (auto worker = workers_.find(worker_id); worker != workers_.end()) {
        definition = worker->second.definition;
        slots = worker->second.slots;
      }
    }
    (void)Run(scripts::AddWorker(), {self_, worker_id, definition, std::to_string(slots)});
    reply = Run(scripts::Claim(), {self_, worker_id, std::to_string(NowMillis()), lease, idle_if_none,
                                   idle_if_assigned, token});
  }
  if (reply.ok() && !reply->elements.empty() && ReplyText(reply->elements[0]) == "drained") {
    // Its requests wait here, not counted idle, so that no enqueue wakes this frontend for them.
    std::string definition;
    put_back(false);
    {
      std::lock_guard lock(mutex_);
      auto worker = workers_.find(worker_id);
      if (worker == workers_.end()) return false;
      worker->second.drained = true;
      definition = worker->second.definition;
    }
    PublishIdle(definition);
    return false;
  }
  if (!reply.ok() || reply->elements.size() < 4 || ReplyText(reply->elements[0]) != "assigned") {
    if (!reply.ok()) Complain("claiming work for " + worker_id, reply.status());
    put_back(!reply.ok() && reply.status().code() == StatusCode::kUnavailable);
    return false;
  }
  const std::string name = ReplyText(reply->elements[1]);
  const int attempt = std::stoi(ReplyText(reply->elements[2]));
  auto action = DecodeQueuedAction(ReplyText(reply->elements[3]));
  if (!action.ok()) {
    // Unreadable: never hand it out; its lease runs out and the retries end it.
    Complain("reading queued action " + name, action.status());
    put_back(false);
    return false;
  }
  auto cancelled = std::make_shared<std::atomic<bool>>(false);
  {
    std::lock_guard lock(mutex_);
    assignments_[name] = LocalAssignment{worker_id, attempt, cancelled, 0};
  }
  callback(WorkAssignment{name, std::move(action).value(), attempt, cancelled});
  return true;
}

void RedisScheduler::ClaimAll() {
  std::lock_guard claims(claim_mutex_);
  std::vector<std::string> waiting;
  {
    std::lock_guard lock(mutex_);
    std::vector<std::pair<uint64_t, std::string>> by_wait;
    for (const auto& [id, worker] : workers_) {
      if (!worker.parked.empty()) by_wait.emplace_back(worker.waiting_since, id);
    }
    std::sort(by_wait.begin(), by_wait.end());  // The longest waiting first.
    for (auto& [since, id] : by_wait) waiting.push_back(std::move(id));
  }
  for (const std::string& id : waiting) {
    while (ClaimFor(id)) {
    }
  }
}

void RedisScheduler::RunWaker() {
  Duration backoff = std::chrono::milliseconds(100);
  const std::string key = prefix_ + "wake:" + self_;
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(backplane_.wake_wait).count();
  while (!stopping_) {
    auto reply = client_->RunBlocking(anchor_, {"BLPOP", key, std::to_string(std::max<int64_t>(1, seconds))},
                                      backplane_.wake_wait);
    if (stopping_) break;
    if (!reply.ok()) {
      std::unique_lock lock(waker_mutex_);
      waker_wakeup_.wait_for(lock, backoff, [this] { return stopping_.load(); });
      backoff = std::min<Duration>(backoff * 2, std::chrono::seconds(5));
      continue;
    }
    backoff = std::chrono::milliseconds(100);
    if (reply->type == Reply::Type::kArray) ClaimAll();
  }
}

void RedisScheduler::ReportExecuting(const std::string& operation_name, const std::string& worker_id, int attempt,
                                     const OutputStreamNames& output_streams) {
  BeginLocalChange(operation_name);
  int64_t dispatched = 0;
  auto reply = Run(scripts::ReportExecuting(),
                   {operation_name, worker_id, std::to_string(attempt), std::to_string(UnixNanos(clock_->WallNow())),
                    output_streams.stdout_name, output_streams.stderr_name});
  if (!reply.ok()) {
    Complain("reporting that " + operation_name + " started", reply.status());
  } else if (reply->type == Reply::Type::kArray) {  // Not stale.
    auto change = DecodeSnapshot(*reply);
    if (change.ok()) {
      Dispatch(*change);
      dispatched = change->version;
    }
  }
  EndLocalChange(operation_name, dispatched);
}

StatusOr<std::optional<WorkAssignment>> RedisScheduler::FindAssignment(const std::string& operation_name,
                                                                       const std::string& worker_id, int attempt) {
  auto reply = Run(scripts::FindAssignment(), {operation_name, worker_id, std::to_string(attempt)});
  if (!reply.ok()) return reply.status();
  if (reply->type != Reply::Type::kString) return std::optional<WorkAssignment>();
  auto action = DecodeQueuedAction(reply->text);
  if (!action.ok()) return action.status().WithContext("reading queued action " + operation_name);
  std::shared_ptr<std::atomic<bool>> cancelled;
  {
    // Known here from now on, so that a cancellation or a take-back reaches it as it would
    // an assignment made here.
    std::lock_guard lock(mutex_);
    auto [it, added] = assignments_.try_emplace(
        operation_name, LocalAssignment{worker_id, attempt, std::make_shared<std::atomic<bool>>(false), 0});
    if (!added && (it->second.worker_id != worker_id || it->second.attempt != attempt)) {
      it->second = LocalAssignment{worker_id, attempt, std::make_shared<std::atomic<bool>>(false), 0};
    }
    cancelled = it->second.cancelled;
  }
  return std::optional<WorkAssignment>(WorkAssignment{operation_name, std::move(action).value(), attempt, cancelled});
}

bool RedisScheduler::TryReportCompleted(const std::string& operation_name, const std::string& worker_id,
                                        int attempt, const reapi::ExecuteResponse& response) {
  BeginLocalChange(operation_name);
  int64_t dispatched = 0;
  const bool done = ReportCompletedOnce(operation_name, worker_id, attempt, response, dispatched);
  EndLocalChange(operation_name, dispatched);
  return done;
}

bool RedisScheduler::ReportCompletedOnce(const std::string& operation_name, const std::string& worker_id,
                                         int attempt, const reapi::ExecuteResponse& response, int64_t& dispatched) {
  auto reply = Run(scripts::ReportCompleted(),
                   {operation_name, worker_id, std::to_string(attempt), response.SerializeAsString(),
                    std::to_string(NowMillis()), std::to_string(options_.max_retained_finished),
                    ExitCodeText(response)});
  if (!reply.ok()) {
    Complain("reporting the result of " + operation_name, reply.status());
    return reply.status().code() != StatusCode::kUnavailable;  // Other failures would fail again.
  }
  {
    std::lock_guard lock(mutex_);
    auto it = assignments_.find(operation_name);
    if (it != assignments_.end() && it->second.worker_id == worker_id && it->second.attempt == attempt) {
      assignments_.erase(it);
    }
  }
  if (reply->type != Reply::Type::kArray) return true;  // Stale.
  auto change = DecodeSnapshot(*reply);
  if (change.ok()) {
    Dispatch(*change);
    dispatched = change->version;
  }
  return true;
}

void RedisScheduler::ReportCompleted(const std::string& operation_name, const std::string& worker_id, int attempt,
                                     reapi::ExecuteResponse response) {
  if (TryReportCompleted(operation_name, worker_id, attempt, response)) return;
  // Redis is away (a restart, a failover): the result must not be lost with it. Retried in
  // the background; the worker's frontend keeps renewing the lease meanwhile.
  std::lock_guard lock(waker_mutex_);
  pending_reports_.push_back(PendingReport{operation_name, worker_id, attempt, std::move(response),
                                           clock_->Now() + std::chrono::minutes(10)});
  waker_wakeup_.notify_all();
}

void RedisScheduler::RunReporter() {
  std::unique_lock lock(waker_mutex_);
  while (!stopping_) {
    if (pending_reports_.empty()) {
      waker_wakeup_.wait(lock, [this] { return stopping_ || !pending_reports_.empty(); });
      continue;
    }
    waker_wakeup_.wait_for(lock, std::chrono::seconds(1), [this] { return stopping_.load(); });
    if (stopping_) break;
    std::deque<PendingReport> retry = std::move(pending_reports_);
    pending_reports_.clear();
    lock.unlock();
    std::deque<PendingReport> still;
    for (PendingReport& report : retry) {
      if (TryReportCompleted(report.operation_name, report.worker_id, report.attempt, report.response)) continue;
      if (clock_->Now() < report.give_up) still.push_back(std::move(report));
    }
    lock.lock();
    for (PendingReport& report : still) pending_reports_.push_back(std::move(report));
  }
}

}  // namespace kiln
