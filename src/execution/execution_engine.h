// The client side of remote execution without gRPC: validates an Execute request, answers
// it from the action cache when it can, and otherwise queues it on the scheduler.
#pragma once

#include <string>

#include "ac/action_cache.h"
#include "cas/blob_store.h"
#include "execution/action_validation.h"
#include "scheduler/scheduler.h"

namespace kiln {

struct ExecuteParameters {
  std::string instance_name;
  Digest action_digest;
  bool skip_cache_lookup = false;
  int32_t priority = 0;
  InlineRequest inline_request;  // Honoured for cache hits.
};

class ExecutionEngine {
 public:
  ExecutionEngine(BlobStore* cas, ActionCache* cache, Scheduler* scheduler, const ExecuteLimits& limits = {})
      : cas_(cas), cache_(cache), scheduler_(scheduler), limits_(limits) {}

  // Returns the operation's name; `caller` owns the operation (or joins an identical one in
  // flight). A cache hit yields an operation that is already done (cached_result set).
  // Errors found here are the call's errors: INVALID_ARGUMENT, FAILED_PRECONDITION (missing
  // blobs, a message or input tree over `limits`, or a platform no worker offers),
  // RESOURCE_EXHAUSTED (the scheduler's queue is full).
  StatusOr<std::string> Execute(const Caller& caller, const ExecuteParameters& parameters);
  // Inlines what `parameters` asked for into a finished execution's result (cache hits are
  // inlined by Execute already; this serves results that were just computed).
  void InlineRequestedOutputs(const ExecuteParameters& parameters, reapi::ExecuteResponse& response) const {
    cache_->InlineContents(*response.mutable_result(), parameters.inline_request, parameters.action_digest.function());
  }

 private:
  BlobStore* cas_;
  ActionCache* cache_;
  Scheduler* scheduler_;
  ExecuteLimits limits_;
};

}  // namespace kiln
