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
  Digest action_digest;
  ExecutionStage stage = ExecutionStage::kQueued;
  bool done = false;
  // Set when done: result, cached_result, status (errors while running go here).
  reapi::ExecuteResponse response;
  // Filled as the action progresses (worker, queued/start timestamps).
  reapi::ExecutedActionMetadata partial_metadata;
};

}  // namespace kiln
