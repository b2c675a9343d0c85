#include "backplane/redis_scheduler.h"

#include <algorithm>
#include <chrono>

#include "backplane/platform_definition.h"
#include "backplane/scheduler_scripts.h"
#include "common/logger.h"
#include "common/proto_digest.h"
#include "common/random_hex.h"
#include "scheduler/scheduler_messages.h"

namespace kiln {
namespace {

namespace scripts = backplane_scripts;
using redis::Reply;

std::string Admin(const Caller& caller) { return caller.admin ? "1" : "0"; }

}  // namespace

StatusOr<std::unique_ptr<RedisScheduler>> RedisScheduler::Start(redis::RedisClient* client,
                                                                const EventSubscriber& subscribe, const Clock* clock,
                                                                const SchedulerOptions& options,
                                                                const RedisSchedulerOptions& backplane) {
  auto id = RandomHex(8);
  if (!id.ok()) return id.status();
  std::unique_ptr<RedisScheduler> scheduler(new RedisScheduler(client, clock, options, backplane, *id));
  RedisScheduler* raw = scheduler.get();
  auto subscription = subscribe(
      scheduler->prefix_ + "events", [raw](const std::string& payload) { raw->OnEvent(payload); },
      [raw] { raw->Resync(/*reconnected=*/raw->subscribed_once_.exchange(true)); });
  if (!subscription.ok()) return subscription.status();
  scheduler->subscription_ = std::move(subscription).value();
  scheduler->waker_ = std::thread([raw] { raw->RunWaker(); });
  scheduler->reporter_ = std::thread([raw] { raw->RunReporter(); });
  return scheduler;
}

RedisScheduler::RedisScheduler(redis::RedisClient* client, const Clock* clock, const SchedulerOptions& options,
                               const RedisSchedulerOptions& backplane, std::string self)
    : client_(client),
      clock_(clock),
      options_(options),
      backplane_(backplane),
      self_(std::move(self)),
      prefix_("kiln:{" + backplane.key_namespace + "}:"),
      anchor_(prefix_ + "anchor") {}

RedisScheduler::~RedisScheduler() {
  subscription_.reset();
  {
    std::lock_guard lock(waker_mutex_);
    stopping_ = true;
  }
  waker_wakeup_.notify_all();
  if (reporter_.joinable()) reporter_.join();
  // Ends the blocked BLPOP at once (if Redis is unreachable, it has failed already).
  (void)client_->Run(anchor_, {"LPUSH", prefix_ + "wake:" + self_, "stop"});
  if (waker_.joinable()) waker_.join();
  (void)client_->Run(anchor_, {"DEL", prefix_ + "wake:" + self_});
}

StatusOr<Reply> RedisScheduler::Run(const redis::RedisScript& script, std::vector<std::string> args) const {
  args.insert(args.begin(), prefix_);
  auto reply = client_->Eval(script, {anchor_}, args);
  if (!reply.ok()) {
    return Status::Unavailable("the scheduler's Redis backplane is unavailable: " + reply.status().message());
  }
  if (reply->type == Reply::Type::kError) {
    return Status::Internal("a scheduler script failed in the Redis backplane: " + reply->text);
  }
  return reply;
}

int64_t RedisScheduler::NowMillis() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(clock_->WallNow().time_since_epoch()).count();
}

StatusOr<std::optional<VersionedSnapshot>> RedisScheduler::FetchVisible(const Caller& caller,
                                                                        const std::string& name) const {
  auto reply = Run(scripts::GetVisible(), {name, caller.principal, Admin(caller)});
  if (!reply.ok()) return reply.status();
  if (reply->type == Reply::Type::kNil) return std::optional<VersionedSnapshot>();
  auto decoded = DecodeSnapshot(*reply);
  if (!decoded.ok()) return decoded.status();
  return std::optional<VersionedSnapshot>(std::move(decoded).value());
}

// --- Client side ---

StatusOr<std::string> RedisScheduler::Enqueue(const Caller& caller, QueuedAction action) {
  {
    std::lock_guard lock(mutex_);
    if (shut_down_) return Status::Unavailable("the scheduler is shutting down");
  }
  const std::string merge_key = action.mergeable ? MergeKey(action) : std::string();
  const std::string payload = EncodeQueuedAction(action);
  const std::string window = MillisText(ReportWindow(action, options_));
  const std::string queued_at = std::to_string(UnixNanos(clock_->WallNow()));
  for (int tries = 0; tries < 3; ++tries) {
    auto hex = RandomHex(16);
    if (!hex.ok()) return hex.status();
    const std::string name = "operations/" + *hex;
    auto reply = Run(scripts::Enqueue(),
                     {self_, caller.principal, name, merge_key, PlatformDefinition(action.platform),
                      std::to_string(action.priority), payload,
                      std::to_string(static_cast<int>(ToProto(action.action_digest.function()))),
                      ToProto(action.action_digest).SerializeAsString(), queued_at, window,
                      std::to_string(options_.max_queued_actions), action.instance_name});
    if (!reply.ok()) return reply.status();
    const auto& e = reply->elements;
    const std::string outcome = e.empty() ? std::string() : ReplyText(e[0]);
    if (outcome == "joined" && e.size() >= 2) return ReplyText(e[1]);
    if (outcome == "queued" && e.size() >= 3) {
      if (ReplyText(e[2]) == "1") ClaimAll();
      return name;
    }
    if (outcome == "noworker") return NoWorkerFor(action.platform);
    if (outcome == "full" && e.size() >= 2) {
      return QueueFull(std::stoull(ReplyText(e[1])), options_.max_queued_actions);
    }
    if (outcome != "taken") return Status::Internal("the backplane's enqueue script answered " + outcome);
  }
  return Status::Internal("could not find an unused operation name");
}

StatusOr<std::string> RedisScheduler::AddCompleted(const Caller& caller, const Digest& action_digest,
                                                   reapi::ExecuteResponse response, const std::string& instance_name) {
  const int64_t created = UnixNanos(clock_->WallNow());
  for (int tries = 0; tries < 3; ++tries) {
    auto hex = RandomHex(16);
    if (!hex.ok()) return hex.status();
    const std::string name = "operations/" + *hex;
    auto reply = Run(scripts::AddCompleted(),
                     {caller.principal, name, std::to_string(static_cast<int>(ToProto(action_digest.function()))),
                      ToProto(action_digest).SerializeAsString(), response.SerializeAsString(),
                      std::to_string(NowMillis()), std::to_string(options_.max_retained_finished), instance_name,
                      std::to_string(created), ExitCodeText(response)});
    const bool unreachable = !reply.ok() && reply.status().code() == StatusCode::kUnavailable;
    if (!reply.ok() && !unreachable) return reply.status();
    if (reply.ok() && ReplyText(*reply) != "ok") continue;  // Taken: another name.
    // Redis unreachable: the hit is still a hit, kept here (only) until Redis is back.
    KeptCompletion completion;
    completion.snapshot.name = name;
    completion.snapshot.action_digest = action_digest;
    completion.snapshot.instance_name = instance_name;
    completion.snapshot.created_unix_nanos = created;
    completion.snapshot.stage = ExecutionStage::kCompleted;
    completion.snapshot.done = true;
    completion.snapshot.response = std::move(response);
    completion.owner = caller.principal;
    completion.added = clock_->Now();
    completion.only_here = unreachable;
    Keep(std::move(completion));
    return name;
  }
  return Status::Internal("could not find an unused operation name");
}

void RedisScheduler::Keep(KeptCompletion completion) {
  // Cache hits in Redis only for a minute and at most 4,096 (their Watch comes at once);
  // those only here for the retention period and as many as Redis would keep.
  const size_t bound = std::max<size_t>(4096, options_.max_retained_finished);
  std::lock_guard lock(mutex_);
  const std::string name = completion.snapshot.name;
  kept_.emplace(name, std::move(completion));
  kept_order_.push_back(name);
  while (kept_order_.size() > bound) {
    kept_.erase(kept_order_.front());
    kept_order_.pop_front();
  }
}

std::optional<OperationSnapshot> RedisScheduler::FindKept(const Caller& caller, const std::string& name) const {
  std::lock_guard lock(mutex_);
  auto it = kept_.find(name);
  if (it == kept_.end() || !(caller.admin || it->second.owner == caller.principal)) return std::nullopt;
  return it->second.snapshot;
}

void RedisScheduler::ForgetOldKept() {
  std::lock_guard lock(mutex_);
  const TimePoint now = clock_->Now();
  while (!kept_order_.empty()) {
    const KeptCompletion& oldest = kept_.at(kept_order_.front());
    const Duration keep = oldest.only_here ? options_.completed_retention : Duration(std::chrono::minutes(1));
    if (now - oldest.added <= keep) break;
    kept_.erase(kept_order_.front());
    kept_order_.pop_front();
  }
}

StatusOr<Scheduler::WatchId> RedisScheduler::Watch(const Caller& caller, const std::string& operation_name,
                                                   Listener listener) {
  WatchId id;
  auto watcher = std::make_shared<Watcher>(std::move(listener));
  if (std::optional<OperationSnapshot> offline = FindKept(caller, operation_name)) {
    {
      std::lock_guard lock(mutex_);
      id = next_watch_id_++;
    }
    // Done already: the one snapshot is also the last.
    watcher->Post(std::make_shared<const OperationSnapshot>(std::move(*offline)));
    watcher->Deliver();
    return id;
  }
  {
    // Registered before the first read, so that no change slips between the two.
    std::lock_guard lock(mutex_);
    id = next_watch_id_++;
    watched_[operation_name].emplace(id, LocalWatch{watcher});
    watch_names_.emplace(id, operation_name);
  }
  auto found = FetchVisible(caller, operation_name);
  bool missed = false;
  {
    std::lock_guard lock(mutex_);
    auto& watches = watched_[operation_name];
    if (!found.ok() || !found->has_value()) {
      watches.erase(id);
      if (watches.empty()) watched_.erase(operation_name);
      watch_names_.erase(id);
      if (!found.ok()) return found.status();
      return UnknownOperation(operation_name);
    }
    LocalWatch& watch = watches.at(id);
    watch.active = true;
    missed = watch.missed;
  }
  Dispatch(**found);
  if (missed) Refresh({operation_name});
  return id;
}

void RedisScheduler::Unwatch(WatchId id) {
  std::shared_ptr<Watcher> watcher;
  {
    std::lock_guard lock(mutex_);
    auto name = watch_names_.find(id);
    if (name == watch_names_.end()) return;
    auto watches = watched_.find(name->second);
    if (watches != watched_.end()) {
      if (auto it = watches->second.find(id); it != watches->second.end()) watcher = it->second.watcher;
      watches->second.erase(id);
      if (watches->second.empty()) watched_.erase(watches);
    }
    watch_names_.erase(name);
  }
  if (watcher) watcher->Stop();
}

StatusOr<OperationSnapshot> RedisScheduler::Get(const Caller& caller, const std::string& operation_name) const {
  if (std::optional<OperationSnapshot> offline = FindKept(caller, operation_name)) return *offline;
  auto found = FetchVisible(caller, operation_name);
  if (!found.ok()) return found.status();
  if (!found->has_value()) return UnknownOperation(operation_name);
  return (*found)->snapshot;
}

std::vector<OperationSnapshot> RedisScheduler::List(const Caller& caller) const {
  std::vector<OperationSnapshot> snapshots;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [name, completion] : kept_) {
      if (!completion.only_here) continue;  // Listed from Redis.
      if (caller.admin || completion.owner == caller.principal) snapshots.push_back(completion.snapshot);
    }
  }
  auto reply = Run(scripts::ListVisible(), {caller.principal, Admin(caller)});
  if (!reply.ok()) return snapshots;
  for (const Reply& element : reply->elements) {
    auto decoded = DecodeSnapshot(element);
    if (decoded.ok()) snapshots.push_back(std::move(decoded->snapshot));
  }
  std::sort(snapshots.begin(), snapshots.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return snapshots;
}

Status RedisScheduler::Cancel(const Caller& caller, const std::string& operation_name) {
  if (FindKept(caller, operation_name)) return Status::Ok();  // Done: no change.
  BeginLocalChange(operation_name);
  int64_t dispatched = 0;
  Status cancelled = CancelOnce(caller, operation_name, dispatched);
  EndLocalChange(operation_name, dispatched);
  return cancelled;
}

Status RedisScheduler::CancelOnce(const Caller& caller, const std::string& operation_name, int64_t& dispatched) {
  auto reply = Run(scripts::Cancel(), {operation_name, caller.principal, Admin(caller), std::to_string(NowMillis()),
                                       std::to_string(options_.max_retained_finished)});
  if (!reply.ok()) return reply.status();
  const std::string outcome = ReplyText(*reply);
  if (outcome == "notfound") return UnknownOperation(operation_name);
  if (outcome == "cancelled") {
    auto found = FetchVisible(Caller::Internal(), operation_name);
    if (found.ok() && found->has_value()) {
      Dispatch(**found);
      dispatched = (*found)->version;
    }
  }
  return Status::Ok();
}

// --- Upkeep ---

Duration MaintenanceIntervalFor(Duration lease) {
  return std::clamp<Duration>(lease / 6, std::chrono::seconds(1), std::chrono::seconds(5));
}

void RedisScheduler::Tick() {
  ForgetOldKept();
  bool uncertain = false;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [id, worker] : workers_) uncertain = uncertain || !worker.uncertain_claim.empty();
  }
  if (uncertain) ClaimAll();  // Settles claims whose answer was lost, now that Redis may be back.
  const TimePoint now = clock_->Now();
  // Leases last `lease - interval` from each renewal, so that a frontend's death is noticed
  // (by whichever frontend runs maintenance next) within `lease`.
  const Duration interval = backplane_.maintenance_interval;
  std::vector<std::string> args = {self_, std::to_string(NowMillis()), MillisText(backplane_.lease - interval),
                                   MillisText(backplane_.lease), MillisText(options_.completed_retention),
                                   std::to_string(options_.max_retained_finished),
                                   std::to_string(options_.max_attempts),
                                   std::to_string(std::chrono::duration_cast<std::chrono::seconds>(
                                                      options_.report_grace).count())};
  {
    std::lock_guard lock(mutex_);
    if (last_maintenance_ && now - *last_maintenance_ < interval) return;
    last_maintenance_ = now;
    // Each worker with what this frontend knows it runs: only those leases are renewed. A
    // Redis failover can roll back a report (or a take-back) that the worker already acted
    // on; renewing whatever Redis lists for the worker would keep such an operation waiting
    // for a result that will never come.
    std::map<std::string, std::string> running;
    for (const auto& [id, worker] : workers_) running[id];
    for (const auto& [name, assignment] : assignments_) {
      auto it = running.find(assignment.worker_id);
      if (it == running.end()) continue;
      if (!it->second.empty()) it->second += ' ';
      it->second += name;
    }
    for (auto& [id, names] : running) {
      args.push_back(id);
      args.push_back(std::move(names));
    }
  }
  auto reply = Run(scripts::Maintain(), std::move(args));
  if (!reply.ok()) {
    LogWarning("scheduler upkeep failed: " + reply.status().ToString());
    return;
  }
  AfterTakeBacks(*reply);
}

void RedisScheduler::Shutdown() {
  std::vector<WorkCallback> withdrawn;
  std::vector<std::string> definitions;
  {
    std::lock_guard claims(claim_mutex_);
    std::lock_guard lock(mutex_);
    shut_down_ = true;
    for (auto& [id, worker] : workers_) {
      for (auto& callback : worker.parked) withdrawn.push_back(std::move(callback));
      worker.parked.clear();
      definitions.push_back(worker.definition);
    }
  }
  for (const auto& definition : definitions) PublishIdle(definition);
  for (auto& callback : withdrawn) callback(std::nullopt);
}

size_t RedisScheduler::queued_count() const {
  auto reply = client_->Run(anchor_, {"GET", prefix_ + "queued"});
  if (!reply.ok() || reply->type != Reply::Type::kString) return 0;
  try {
    return std::stoull(reply->text);
  } catch (const std::exception&) {
    return 0;
  }
}

}  // namespace kiln
