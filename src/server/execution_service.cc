#include "server/rpc_methods.h"
#include "server/execution_service.h"

#include <charconv>

#include "common/resource_name.h"
#include "server/grpc_status.h"
#include "server/operation_message.h"
#include "server/operation_stream_reactor.h"

namespace kiln {

using google::longrunning::Operation;

grpc::ServerWriteReactor<Operation>* ExecutionService::Execute(grpc::CallbackServerContext* context,
                                                               const reapi::ExecuteRequest* request) {
  auto principal = authorizer_->Check(*context, rpc::kExecute, request->instance_name());
  if (!principal.ok()) return new FinishedWriteReactor<Operation>(principal.status());
  Status valid = ValidateInstanceName(request->instance_name());
  if (valid.ok() && !request->has_action_digest()) valid = Status::InvalidArgument("action_digest is required");
  if (!valid.ok()) return new FinishedWriteReactor<Operation>(valid);
  auto function = ResolveDigestFunction(request->digest_function(), request->action_digest().hash());
  if (!function.ok()) return new FinishedWriteReactor<Operation>(function.status().WithContext("action_digest"));
  auto action_digest = FromProto(*function, request->action_digest(), "action_digest");
  if (!action_digest.ok()) return new FinishedWriteReactor<Operation>(action_digest.status());

  ExecuteParameters parameters;
  parameters.instance_name = request->instance_name();
  parameters.action_digest = *action_digest;
  parameters.skip_cache_lookup = request->skip_cache_lookup();
  parameters.priority = request->execution_policy().priority();
  parameters.inline_request.stdout_raw = request->inline_stdout();
  parameters.inline_request.stderr_raw = request->inline_stderr();
  parameters.inline_request.output_files.assign(request->inline_output_files().begin(),
                                                request->inline_output_files().end());
  const Caller caller = authorizer_->CallerOf(**principal);
  auto name = engine_->Execute(caller, parameters);
  if (!name.ok()) return new FinishedWriteReactor<Operation>(name.status());
  OperationStreamReactor::ResponseDecorator inline_outputs;
  const InlineRequest& wanted = parameters.inline_request;
  if (wanted.stdout_raw || wanted.stderr_raw || !wanted.output_files.empty()) {
    inline_outputs = [engine = engine_, parameters](reapi::ExecuteResponse& response) {
      engine->InlineRequestedOutputs(parameters, response);
    };
  }
  return new OperationStreamReactor(scheduler_, caller, *name, CacheCheckMessage(*name, *action_digest),
                                    std::move(inline_outputs));
}

grpc::ServerWriteReactor<Operation>* ExecutionService::WaitExecution(grpc::CallbackServerContext* context,
                                                                     const reapi::WaitExecutionRequest* request) {
  auto principal = authorizer_->CheckAnyInstance(*context, rpc::kWaitExecution);
  if (!principal.ok()) return new FinishedWriteReactor<Operation>(principal.status());
  const Caller caller = authorizer_->CallerOf(**principal);
  auto snapshot = scheduler_->Get(caller, request->name());
  if (!snapshot.ok()) return new FinishedWriteReactor<Operation>(snapshot.status());
  return new OperationStreamReactor(scheduler_, caller, request->name(), std::nullopt);
}

grpc::ServerUnaryReactor* OperationsService::GetOperation(grpc::CallbackServerContext* context,
                                                          const google::longrunning::GetOperationRequest* request,
                                                          Operation* response) {
  auto principal = authorizer_->CheckAnyInstance(*context, rpc::kGetOperation);
  if (!principal.ok()) return FinishUnary(context, principal.status());
  auto snapshot = scheduler_->Get(authorizer_->CallerOf(**principal), request->name());
  if (snapshot.ok()) *response = ToOperationMessage(*snapshot);
  return FinishUnary(context, snapshot.status());
}

grpc::ServerUnaryReactor* OperationsService::ListOperations(grpc::CallbackServerContext* context,
                                                            const google::longrunning::ListOperationsRequest* request,
                                                            google::longrunning::ListOperationsResponse* response) {
  auto principal = authorizer_->CheckAnyInstance(*context, rpc::kListOperations);
  if (!principal.ok()) return FinishUnary(context, principal.status());
  if (!request->filter().empty()) {
    return FinishUnary(context, Status::InvalidArgument("filter is not supported; leave it empty"));
  }
  size_t offset = 0;
  const std::string& token = request->page_token();
  if (!token.empty()) {
    auto [end, error] = std::from_chars(token.data(), token.data() + token.size(), offset);
    if (error != std::errc() || end != token.data() + token.size()) {
      return FinishUnary(context, Status::InvalidArgument("page_token \"" + token + "\" was not issued by this server"));
    }
  }
  const size_t page_size = request->page_size() > 0 ? static_cast<size_t>(request->page_size()) : 1000;
  // The caller's own (all for admins), sorted by name: stable pages.
  std::vector<OperationSnapshot> all = scheduler_->List(authorizer_->CallerOf(**principal));
  for (size_t i = offset; i < all.size() && i < offset + page_size; ++i) {
    *response->add_operations() = ToOperationMessage(all[i]);
  }
  if (offset + page_size < all.size()) response->set_next_page_token(std::to_string(offset + page_size));
  return FinishUnary(context, Status::Ok());
}

grpc::ServerUnaryReactor* OperationsService::CancelOperation(grpc::CallbackServerContext* context,
                                                             const google::longrunning::CancelOperationRequest* request,
                                                             google::protobuf::Empty* response) {
  auto principal = authorizer_->CheckAnyInstance(*context, rpc::kCancelOperation);
  if (!principal.ok()) return FinishUnary(context, principal.status());
  return FinishUnary(context, scheduler_->Cancel(authorizer_->CallerOf(**principal), request->name()));
}

}  // namespace kiln
