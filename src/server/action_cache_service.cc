#include "server/rpc_methods.h"
#include "server/action_cache_service.h"

#include "common/resource_name.h"
#include "server/grpc_status.h"

namespace kiln {
namespace {

// Instance name, digest function and action digest: what both methods start with.
template <typename Request>
StatusOr<Digest> ParseActionDigest(const Request& request) {
  KILN_RETURN_IF_ERROR(ValidateInstanceName(request.instance_name()));
  if (!request.has_action_digest()) return Status::InvalidArgument("action_digest is required");
  auto function = ResolveDigestFunction(request.digest_function(), request.action_digest().hash());
  if (!function.ok()) return function.status().WithContext("action_digest");
  return FromProto(*function, request.action_digest(), "action_digest");
}

}  // namespace

grpc::ServerUnaryReactor* ActionCacheService::GetActionResult(grpc::CallbackServerContext* context,
                                                              const reapi::GetActionResultRequest* request,
                                                              reapi::ActionResult* response) {
  auto caller = authorizer_->Check(*context, rpc::kGetActionResult, request->instance_name());
  if (!caller.ok()) return FinishUnary(context, caller.status());
  auto action_digest = ParseActionDigest(*request);
  if (!action_digest.ok()) return FinishUnary(context, action_digest.status());
  InlineRequest inline_request;
  inline_request.stdout_raw = request->inline_stdout();
  inline_request.stderr_raw = request->inline_stderr();
  inline_request.output_files.assign(request->inline_output_files().begin(), request->inline_output_files().end());
  auto result = cache_->Get(request->instance_name(), *action_digest, inline_request);
  if (result.ok()) *response = std::move(result).value();
  return FinishUnary(context, result.status());
}

grpc::ServerUnaryReactor* ActionCacheService::UpdateActionResult(grpc::CallbackServerContext* context,
                                                                 const reapi::UpdateActionResultRequest* request,
                                                                 reapi::ActionResult* response) {
  auto caller = authorizer_->Check(*context, rpc::kUpdateActionResult, request->instance_name());
  if (!caller.ok()) return FinishUnary(context, caller.status());
  auto action_digest = ParseActionDigest(*request);
  if (!action_digest.ok()) return FinishUnary(context, action_digest.status());
  if (!request->has_action_result()) return FinishUnary(context, Status::InvalidArgument("action_result is required"));
  Status status = cache_->Put(request->instance_name(), *action_digest, request->action_result());
  if (status.ok()) *response = request->action_result();
  return FinishUnary(context, status);
}

}  // namespace kiln
