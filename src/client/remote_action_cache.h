// An ActionCache kept by another kiln server (a storage node): GetActionResult and
// UpdateActionResult over gRPC, under the caller's instance name, so that every frontend
// sharing the storage node shares one cache. The storage node checks each hit against its
// own CAS -- where the blobs are -- before it answers, so a hit here is complete.
//
// gRPC failures keep their code: NOT_FOUND is a miss, UNAVAILABLE means the storage node
// cannot be reached (the caller fails its call rather than treating it as a miss).
// Thread-safe.
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>

#include "ac/action_cache.h"
#include "common/clock.h"

namespace kiln {

struct RemoteActionCacheOptions {
  // Deadline of each call.
  Duration rpc_timeout = std::chrono::minutes(1);
  // Where InlineContents reads the outputs of results just computed (the frontend's CAS),
  // and how much it inlines into one. Hits are inlined by the storage node, within its own
  // limit.
  BlobStore* inline_cas = nullptr;
  int64_t max_inline_bytes = 1 << 20;
};

// REQUIRES: options.inline_cas outlives the cache.
std::unique_ptr<ActionCache> NewRemoteActionCache(std::shared_ptr<grpc::Channel> channel,
                                                  const RemoteActionCacheOptions& options);

}  // namespace kiln
