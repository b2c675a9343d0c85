// RedisScheduler: how changes reach this frontend's watchers and the workers it handed
// actions to -- from its own scripts' answers, from other frontends' pub/sub events, and by
// re-reading everything after a resubscription.
#include <algorithm>
#include <limits>
#include <tuple>

#include "backplane/redis_scheduler.h"
#include "backplane/scheduler_scripts.h"
#include "scheduler/scheduler_messages.h"

namespace kiln {

namespace scripts = backplane_scripts;
using redis::Reply;

void RedisScheduler::Dispatch(const VersionedSnapshot& change, ChangeSource source) {
  const std::string& name = change.snapshot.name;
  std::vector<std::pair<WatchId, std::shared_ptr<Watcher>>> deliveries;
  std::shared_ptr<std::atomic<bool>> cancel;
  {
    std::lock_guard lock(mutex_);
    if (source == ChangeSource::kRefreshed) {
      if (auto local = local_changes_.find(name); local != local_changes_.end()) {
        // EndLocalChange reads it again if the local dispatch was older.
        local->second.newest_event = std::max(local->second.newest_event, change.version);
        return;
      }
    }
    if (auto watches = watched_.find(name); watches != watched_.end()) {
      auto snapshot = std::make_shared<const OperationSnapshot>(change.snapshot);
      for (auto& [id, watch] : watches->second) {
        if (!watch.active) {
          watch.missed = true;
          continue;
        }
        if (watch.version >= change.version) continue;
        watch.version = change.version;
        watch.watcher->Post(snapshot);
        deliveries.emplace_back(id, watch.watcher);
      }
    }
    if (auto assignment = assignments_.find(name); assignment != assignments_.end()) {
      LocalAssignment& a = assignment->second;
      a.version = std::max(a.version, change.version);
      // A state read before the claim that made this assignment (a Watch's or a refresh's
      // read, dispatched after the claim on another thread) shows an earlier attempt: it says
      // nothing about this one. Taken for a take-back, it cancelled a run Redis still
      // assigned, whose CANCELLED report then completed the operation (clients execute
      // again). A claim does not change the version, but it does raise the attempt, which
      // only grows; a take-back clears the assignee or raises the attempt, and finishing
      // sets done.
      const bool older = !change.snapshot.done && change.attempt < a.attempt;
      // Cancelled, finished, or taken back: the worker's copy must stop.
      if (!older && (change.snapshot.done || change.assignee != a.worker_id || change.attempt != a.attempt)) {
        const bool finished_by_its_worker = change.snapshot.done && change.snapshot.response.status().code() == 0;
        if (!finished_by_its_worker) cancel = a.cancelled;
        assignments_.erase(assignment);
      }
    }
  }
  if (cancel) cancel->store(true);
  std::vector<WatchId> ended;
  for (const auto& [id, watcher] : deliveries) {
    if (watcher->Deliver()) ended.push_back(id);
  }
  if (ended.empty()) return;
  std::vector<std::shared_ptr<Watcher>> released;  // Destroyed after the lock.
  std::lock_guard lock(mutex_);
  for (WatchId id : ended) {
    auto watches = watched_.find(name);
    if (watches == watched_.end()) break;
    if (auto it = watches->second.find(id); it != watches->second.end()) {
      released.push_back(it->second.watcher);
      watches->second.erase(it);
    }
    if (watches->second.empty()) watched_.erase(watches);
    watch_names_.erase(id);
  }
}

void RedisScheduler::Refresh(const std::vector<std::string>& names) {
  for (const std::string& name : names) {
    {
      std::lock_guard lock(mutex_);
      if (watched_.count(name) == 0 && assignments_.count(name) == 0) continue;
    }
    auto found = FetchVisible(Caller::Internal(), name);
    if (!found.ok()) continue;  // Redis unreachable: the resubscription will refresh.
    if (found->has_value()) {
      Dispatch(**found, ChangeSource::kRefreshed);
      continue;
    }
    // Gone from Redis while watched or running here: Redis restarted without its data, or
    // was failed over before it replicated the operation. No watcher may wait forever.
    VersionedSnapshot lost;
    lost.version = std::numeric_limits<int64_t>::max();
    lost.snapshot.name = name;
    lost.snapshot.stage = ExecutionStage::kCompleted;
    lost.snapshot.done = true;
    lost.snapshot.response = ErrorResponse(
        StatusCode::kUnavailable, "the scheduler's Redis backplane lost operation " + name +
                                      " (Redis restarted or failed over without it); execute the action again");
    Dispatch(lost, ChangeSource::kRefreshed);
  }
}

void RedisScheduler::OnEvent(const std::string& payload) {
  const size_t space = payload.rfind(' ');
  if (space == std::string::npos) return;
  const std::string name = payload.substr(0, space);
  int64_t version = 0;
  try {
    version = std::stoll(payload.substr(space + 1));
  } catch (const std::exception&) {
    return;
  }
  {
    // Most events are about operations this frontend has nothing to do with.
    std::lock_guard lock(mutex_);
    if (auto local = local_changes_.find(name); local != local_changes_.end()) {
      local->second.newest_event = std::max(local->second.newest_event, version);
      return;
    }
    // Its own changes come back too: wanted only if newer than what it has read.
    auto assignment = assignments_.find(name);
    bool wanted = assignment != assignments_.end() && assignment->second.version < version;
    if (auto watches = watched_.find(name); watches != watched_.end()) {
      for (auto& [id, watch] : watches->second) {
        if (!watch.active) watch.missed = true;
        if (watch.version < version) wanted = true;
      }
    }
    if (!wanted) return;
  }
  Refresh({name});
}

void RedisScheduler::BeginLocalChange(const std::string& name) {
  std::lock_guard lock(mutex_);
  ++local_changes_[name].running;
}

void RedisScheduler::EndLocalChange(const std::string& name, int64_t dispatched_version) {
  bool newer = false;
  {
    std::lock_guard lock(mutex_);
    auto local = local_changes_.find(name);
    if (local == local_changes_.end()) return;
    newer = local->second.newest_event > dispatched_version;
    if (--local->second.running == 0) local_changes_.erase(local);
  }
  if (newer) Refresh({name});
}

void RedisScheduler::Resync(bool reconnected) {
  std::vector<std::string> names;
  std::vector<std::tuple<std::string, std::string, int>> workers;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [name, watches] : watched_) names.push_back(name);
    for (const auto& [name, assignment] : assignments_) names.push_back(name);
    for (const auto& [id, worker] : workers_) workers.emplace_back(id, worker.definition, worker.slots);
  }
  // The first subscription catches up on changes made before it (operations watched or
  // assigned meanwhile). After a reconnection, Redis may also have restarted (and forgotten
  // what was not yet on disk): say again who is here and claim again. Not the first time:
  // that claim pass would race the first work requests (claiming for a worker before one that
  // waited longer).
  if (reconnected) {
    for (const auto& [id, definition, slots] : workers) {
      (void)Run(scripts::AddWorker(), {self_, id, definition, std::to_string(slots)});
      PublishIdle(definition);
    }
  }
  Refresh(names);
  if (reconnected) ClaimAll();
}

void RedisScheduler::AfterTakeBacks(const Reply& reply) {
  if (reply.elements.empty()) return;
  std::vector<std::string> touched;
  for (size_t i = 1; i < reply.elements.size(); ++i) touched.push_back(ReplyText(reply.elements[i]));
  Refresh(touched);
  if (ReplyText(reply.elements[0]) == "1") ClaimAll();
}

}  // namespace kiln
