// ActionCache: a thin adapter from the REAPI messages to kiln's ActionCache.
#pragma once

#include "server/call_authorizer.h"
#include "ac/action_cache.h"
#include "build/bazel/remote/execution/v2/remote_execution.grpc.pb.h"
#include "server/arena_message_allocator.h"

namespace kiln {

class ActionCacheService final : public reapi::ActionCache::CallbackService {
 public:
  ActionCacheService(ActionCache* cache, const CallAuthorizer* authorizer) : cache_(cache), authorizer_(authorizer) {
    SetMessageAllocatorFor_GetActionResult(&get_messages_);
    SetMessageAllocatorFor_UpdateActionResult(&update_messages_);
  }

  grpc::ServerUnaryReactor* GetActionResult(grpc::CallbackServerContext* context,
                                            const reapi::GetActionResultRequest* request,
                                            reapi::ActionResult* response) override;
  grpc::ServerUnaryReactor* UpdateActionResult(grpc::CallbackServerContext* context,
                                               const reapi::UpdateActionResultRequest* request,
                                               reapi::ActionResult* response) override;

 private:
  ActionCache* cache_;
  const CallAuthorizer* authorizer_;
  ArenaMessageAllocator<reapi::GetActionResultRequest, reapi::ActionResult> get_messages_;
  ArenaMessageAllocator<reapi::UpdateActionResultRequest, reapi::ActionResult> update_messages_;
};

}  // namespace kiln
