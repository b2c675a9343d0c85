// What a client sees of one execution: the state an Operation message is built from.
#pragma once

#include <string>

#include "build/bazel/remote/execution/v2/remote_execution.pb.h"
#include "common/digest.h"

namespace kiln {

namespace reapi = build::bazel::remote::execution::v2;

enum class ExecutionStage { kCacheCheck, kQueued, kExecuting, kCompleted };

struct OperationSnapshot {
  std::string name;
  // The instance the action was executed under ("" for the default instance).
  std::string instance_name;
  Digest action_digest;
  // When the operation came to be (queued, or recorded as a cache hit): unix nanoseconds.
  // Operators' listings sort by it, newest first.
  int64_t created_unix_nanos = 0;
  ExecutionStage stage = ExecutionStage::kQueued;
  bool done = false;
  // Set when done: result, cached_result, status (errors while running go here).
  reapi::ExecuteResponse response;
  // Filled as the action progresses (worker, queued/start timestamps).
  reapi::ExecutedActionMetadata partial_metadata;
  // Log streams (read names) of the running attempt's stdout and stderr, from the
  // EXECUTING stage on; empty when the worker offers none.
  std::string stdout_stream_name;
  std::string stderr_stream_name;
};

// The read names of an attempt's live stdout and stderr.
struct OutputStreamNames {
  std::string stdout_name;
  std::string stderr_name;
};

}  // namespace kiln
