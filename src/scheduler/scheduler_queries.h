// What an operator asks a scheduler about the whole farm, rather than about one client's
// operations: every operation (filtered, a bounded page at a time) and every worker. The
// admin service (server/admin_service.h) and the web UI share these; both schedulers
// answer them (the Redis one farm-wide, from Redis, in one script call per query). No
// ownership checks here: callers hold the `admin` permission.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "scheduler/operation.h"
#include "scheduler/platform.h"

namespace kiln {

// A page holds at most this many operations, whatever the caller asks for: a listing must
// not build a response of every retained operation (10,000 by default, each with its
// result).
inline constexpr size_t kMaxOperationPageSize = 1000;
inline constexpr size_t kDefaultOperationPageSize = 100;

struct OperationFilter {
  // Only operations of this instance; nullopt: any.
  std::optional<std::string> instance_name;
  // Only operations in this stage (kQueued, kExecuting or kCompleted); nullopt: any.
  std::optional<ExecutionStage> stage;
  // Only finished operations whose action ran and exited with this code.
  std::optional<int32_t> exit_code;
  // The page: operations [offset, offset + page_size) of the matching ones, newest first.
  size_t offset = 0;
  size_t page_size = kDefaultOperationPageSize;  // Capped at kMaxOperationPageSize; 0: the default.
};

struct OperationPage {
  // Newest first (created_unix_nanos, then name).
  std::vector<OperationSnapshot> operations;
  // How many operations match the filter in all.
  size_t total = 0;
};

struct WorkerInfo {
  std::string id;
  Platform platform;
  // How many actions it runs at once, as it said when it registered; 0 if it did not say.
  int slots = 0;
  // The operations assigned to it now (busy slots: their count).
  std::vector<std::string> running;
  // Gets no new work (it finishes what it runs).
  bool drained = false;
  // False for a drained worker that is not connected now: the drain waits for it.
  bool connected = true;
};

// Whether `snapshot` passes the filter's conditions (not its page bounds).
bool MatchesFilter(const OperationFilter& filter, const OperationSnapshot& snapshot);
// The exit code of a finished operation whose action ran; nullopt otherwise.
std::optional<int32_t> ExitCodeOf(const OperationSnapshot& snapshot);
// The page size to use: the filter's, defaulted and capped.
size_t EffectivePageSize(const OperationFilter& filter);
// Sorts `matching` newest first and cuts the filter's page out of it.
OperationPage PageOf(std::vector<OperationSnapshot> matching, const OperationFilter& filter);
// "queued", "executing", "completed" (and "cache-check"); the names filters take.
const char* StageName(ExecutionStage stage);
// `clock`'s wall time as unix nanoseconds (OperationSnapshot::created_unix_nanos).
int64_t UnixNanosNow(const Clock& clock);
std::optional<ExecutionStage> ParseStageName(const std::string& name);

}  // namespace kiln
