#include "scheduler/scheduler_queries.h"

#include <algorithm>

namespace kiln {

std::optional<int32_t> ExitCodeOf(const OperationSnapshot& snapshot) {
  if (!snapshot.done || !snapshot.response.has_result() || snapshot.response.status().code() != 0) {
    return std::nullopt;
  }
  return snapshot.response.result().exit_code();
}

bool MatchesFilter(const OperationFilter& filter, const OperationSnapshot& snapshot) {
  if (filter.instance_name && *filter.instance_name != snapshot.instance_name) return false;
  if (filter.stage && *filter.stage != snapshot.stage) return false;
  if (filter.exit_code && ExitCodeOf(snapshot) != filter.exit_code) return false;
  return true;
}

size_t EffectivePageSize(const OperationFilter& filter) {
  if (filter.page_size == 0) return kDefaultOperationPageSize;
  return std::min(filter.page_size, kMaxOperationPageSize);
}

OperationPage PageOf(std::vector<OperationSnapshot> matching, const OperationFilter& filter) {
  OperationPage page;
  page.total = matching.size();
  std::sort(matching.begin(), matching.end(), [](const OperationSnapshot& a, const OperationSnapshot& b) {
    if (a.created_unix_nanos != b.created_unix_nanos) return a.created_unix_nanos > b.created_unix_nanos;
    return a.name < b.name;
  });
  const size_t begin = std::min(filter.offset, matching.size());
  const size_t end = std::min(matching.size(), begin + EffectivePageSize(filter));
  page.operations.assign(std::make_move_iterator(matching.begin() + begin),
                         std::make_move_iterator(matching.begin() + end));
  return page;
}

const char* StageName(ExecutionStage stage) {
  switch (stage) {
    case ExecutionStage::kCacheCheck: return "cache-check";
    case ExecutionStage::kQueued: return "queued";
    case ExecutionStage::kExecuting: return "executing";
    case ExecutionStage::kCompleted: return "completed";
  }
  return "unknown";
}

int64_t UnixNanosNow(const Clock& clock) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(clock.WallNow().time_since_epoch()).count();
}

std::optional<ExecutionStage> ParseStageName(const std::string& name) {
  for (ExecutionStage stage : {ExecutionStage::kCacheCheck, ExecutionStage::kQueued, ExecutionStage::kExecuting,
                               ExecutionStage::kCompleted}) {
    if (name == StageName(stage)) return stage;
  }
  if (name == "running") return ExecutionStage::kExecuting;
  if (name == "finished" || name == "done") return ExecutionStage::kCompleted;
  return std::nullopt;
}

}  // namespace kiln
