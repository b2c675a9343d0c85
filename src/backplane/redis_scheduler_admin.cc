// The operators' side of RedisScheduler: farm-wide listings and drains, each one script
// call whatever the number of operations or workers (scheduler_scripts.h).
#include <algorithm>
#include <cstdlib>

#include "backplane/platform_definition.h"
#include "backplane/redis_scheduler.h"
#include "backplane/scheduler_scripts.h"

namespace kiln {
namespace {

namespace scripts = backplane_scripts;
using redis::Reply;

std::string StageArgument(const std::optional<ExecutionStage>& stage) {
  if (!stage) return "";
  switch (*stage) {
    case ExecutionStage::kQueued: return "1";
    case ExecutionStage::kExecuting: return "2";
    case ExecutionStage::kCompleted: return "3";
    case ExecutionStage::kCacheCheck: break;
  }
  return "0";  // Never stored: matches nothing.
}

int ParseInt(const std::string& text) {
  try {
    return text.empty() ? 0 : std::stoi(text);
  } catch (const std::exception&) {
    return 0;
  }
}

}  // namespace

StatusOr<OperationPage> RedisScheduler::ListOperations(const OperationFilter& filter) const {
  auto reply = Run(scripts::ListOperations(),
                   {filter.instance_name ? "=" + *filter.instance_name : "", StageArgument(filter.stage),
                    filter.exit_code ? std::to_string(*filter.exit_code) : "", std::to_string(filter.offset),
                    std::to_string(EffectivePageSize(filter))});
  if (!reply.ok()) return reply.status();
  if (reply->type != Reply::Type::kArray || reply->elements.empty()) {
    return Status::Internal("the backplane's operation listing answered with something else");
  }
  OperationPage page;
  page.total = static_cast<size_t>(ParseInt(ReplyText(reply->elements[0])));
  for (size_t i = 1; i < reply->elements.size(); ++i) {
    auto decoded = DecodeSnapshot(reply->elements[i]);
    if (!decoded.ok()) return decoded.status();
    page.operations.push_back(std::move(decoded->snapshot));
  }
  return page;
}

StatusOr<std::vector<WorkerInfo>> RedisScheduler::ListWorkers() const {
  auto reply = Run(scripts::ListWorkers(), {});
  if (!reply.ok()) return reply.status();
  std::vector<WorkerInfo> workers;
  for (const Reply& entry : reply->elements) {
    const auto& f = entry.elements;
    if (entry.type != Reply::Type::kArray || f.size() < 6) {
      return Status::Internal("the backplane's worker listing answered with something else");
    }
    WorkerInfo info;
    info.id = ReplyText(f[0]);
    info.platform = ParsePlatformDefinition(ReplyText(f[1]));
    info.slots = ParseInt(ReplyText(f[2]));
    info.drained = ReplyText(f[3]) == "1";
    info.connected = ReplyText(f[4]) == "1";
    for (const Reply& name : f[5].elements) info.running.push_back(ReplyText(name));
    std::sort(info.running.begin(), info.running.end());
    workers.push_back(std::move(info));
  }
  std::sort(workers.begin(), workers.end(), [](const WorkerInfo& a, const WorkerInfo& b) { return a.id < b.id; });
  return workers;
}

Status RedisScheduler::SetWorkerDrained(const std::string& worker_id, bool drained) {
  auto reply = Run(scripts::SetDrained(), {worker_id, drained ? "1" : "0"});
  if (!reply.ok()) return reply.status();
  if (ReplyText(*reply) == "notfound") {
    return Status::NotFound("no worker \"" + worker_id + "\" is connected or drained");
  }
  // Undrained and connected here: claim now rather than when the wake-up token arrives.
  if (!drained) {
    bool here = false;
    {
      std::lock_guard lock(mutex_);
      here = workers_.count(worker_id) != 0;
    }
    if (here) ClaimAll();
  }
  return Status::Ok();
}

SchedulerLoad RedisScheduler::Load() const {
  SchedulerLoad load;
  auto reply = Run(scripts::Load(), {});
  if (!reply.ok() || reply->elements.size() < 4) {
    load.queue.push_back({"*", 0, queued_count()});
    return load;
  }
  load.workers = ParseInt(ReplyText(reply->elements[0]));
  load.busy_slots = ParseInt(ReplyText(reply->elements[1]));
  load.idle_slots = ParseInt(ReplyText(reply->elements[2]));
  const std::vector<Reply>& queue = reply->elements[3].elements;
  for (size_t i = 0; i + 2 < queue.size(); i += 3) {
    SchedulerLoad::QueueGroup group;
    group.platform = ParsePlatformDefinition(ReplyText(queue[i])).ToString();
    group.priority = static_cast<int32_t>(std::strtol(ReplyText(queue[i + 1]).c_str(), nullptr, 10));
    group.queued = static_cast<size_t>(ParseInt(ReplyText(queue[i + 2])));
    load.queue.push_back(std::move(group));
  }
  return load;
}

}  // namespace kiln
