// ActionCache: a thin adapter from the REAPI messages to kiln's ActionCache.
#pragma once

#include "ac/action_cache.h"
#include "build/bazel/remote/execution/v2/remote_execution.grpc.pb.h"

namespace kiln {

class ActionCacheService final : public reapi::ActionCache::CallbackService {
 public:
  explicit ActionCacheService(ActionCache* cache) : cache_(cache) {}

  grpc::ServerUnaryReactor* GetActionResult(grpc::CallbackServerContext* context,
                                            const reapi::GetActionResultRequest* request,
                                            reapi::ActionResult* response) override;
  grpc::ServerUnaryReactor* UpdateActionResult(grpc::CallbackServerContext* context,
                                               const reapi::UpdateActionResultRequest* request,
                                               reapi::ActionResult* response) override;

 private:
  ActionCache* cache_;
};

}  // namespace kiln
