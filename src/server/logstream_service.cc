#include "server/rpc_methods.h"
#include "server/logstream_service.h"

#include "server/grpc_status.h"

namespace kiln {

grpc::ServerUnaryReactor* LogStreamService::CreateLogStream(grpc::CallbackServerContext* context,
                                                            const logstream_api::CreateLogStreamRequest* request,
                                                            logstream_api::LogStream* response) {
  auto caller = authorizer_->Check(*context, rpc::kCreateLogStream, request->parent());
  if (!caller.ok()) return FinishUnary(context, caller.status());
  // One TCP connection is one peer address: the per-connection bound on live streams.
  auto names = registry_->Create(request->parent(), LogStreamOwner::kClient, context->peer());
  if (!names.ok() && names.status().code() == StatusCode::kInvalidArgument) {
    return FinishUnary(context, names.status().WithContext("CreateLogStream parent"));
  }
  if (!names.ok()) return FinishUnary(context, names.status());
  response->set_name(names->read_name);
  response->set_write_resource_name(names->write_name);
  return FinishUnary(context, Status::Ok());
}

StatusOr<bool> LogStreamWrite::Apply(const google::bytestream::WriteRequest& request) {
  KILN_RETURN_IF_ERROR(registry_->Append(write_name_, request.write_offset(), request.data()));
  if (!request.finish_write()) return false;
  KILN_RETURN_IF_ERROR(registry_->Finalize(write_name_));
  return true;
}

int64_t LogStreamWrite::committed_size() const {
  auto state = registry_->QueryWrite(write_name_);
  return state.ok() ? state->committed_size : 0;
}

Status QueryLogStreamWrite(const LogStreamRegistry& registry, const std::string& write_name,
                           google::bytestream::QueryWriteStatusResponse* response) {
  auto state = registry.QueryWrite(write_name);
  if (!state.ok()) return state.status();
  response->set_committed_size(state->committed_size);
  response->set_complete(state->finalized);
  return Status::Ok();
}

}  // namespace kiln
