#include "execution_util.h"

#include <algorithm>

#include "google/rpc/error_details.pb.h"

namespace kiln_test {

reapi::Digest Upload(reapi::ContentAddressableStorage::Stub& cas, const std::string& bytes, DigestFunction function) {
  EXPECT_TRUE(BatchUpload(cas, "", {bytes}, function));
  return ProtoDigestOf(bytes, function);
}

reapi::Digest UploadAction(reapi::ContentAddressableStorage::Stub& cas, const ActionSpec& spec,
                           DigestFunction function) {
  reapi::Command command;
  for (const auto& argument : spec.arguments) command.add_arguments(argument);
  auto environment = spec.environment;
  std::sort(environment.begin(), environment.end());
  for (const auto& [name, value] : environment) {
    auto* variable = command.add_environment_variables();
    variable->set_name(name);
    variable->set_value(value);
  }
  for (const auto& path : spec.output_paths) command.add_output_paths(path);
  reapi::Action action;
  *action.mutable_command_digest() = Upload(cas, command.SerializeAsString(), function);
  *action.mutable_input_root_digest() = Upload(cas, spec.input_root.SerializeAsString(), function);
  for (const auto& [name, value] : spec.platform) {
    auto* property = action.mutable_platform()->add_properties();
    property->set_name(name);
    property->set_value(value);
  }
  if (spec.timeout_seconds > 0) {
    action.mutable_timeout()->set_seconds(static_cast<int64_t>(spec.timeout_seconds));
    action.mutable_timeout()->set_nanos(static_cast<int32_t>((spec.timeout_seconds - static_cast<int64_t>(spec.timeout_seconds)) * 1e9));
  }
  action.set_do_not_cache(spec.do_not_cache);
  action.set_salt(spec.salt);
  return Upload(cas, action.SerializeAsString(), function);
}

namespace {

// The result of an Execute or WaitExecution call that streamed `updates` and ended with `status`.
ExecuteResult ResultOf(grpc::Status status, std::vector<google::longrunning::Operation> updates) {
  ExecuteResult result;
  result.status = std::move(status);
  result.updates = std::move(updates);
  for (const auto& update : result.updates) result.stages.push_back(MetadataOf(update).stage());
  if (!result.updates.empty() && result.updates.back().done()) {
    result.updates.back().response().UnpackTo(&result.response);
  }
  return result;
}

ExecuteResult Collect(grpc::ClientReaderInterface<google::longrunning::Operation>& reader) {
  std::vector<google::longrunning::Operation> updates;
  google::longrunning::Operation operation;
  while (reader.Read(&operation)) updates.push_back(operation);
  grpc::Status status = reader.Finish();
  return ResultOf(std::move(status), std::move(updates));
}

}  // namespace

ExecuteResult Execute(const std::shared_ptr<grpc::Channel>& channel, const reapi::ExecuteRequest& request,
                      std::chrono::seconds deadline) {
  auto stub = reapi::Execution::NewStub(channel);
  grpc::ClientContext context;
  SetDeadline(&context, deadline);
  auto reader = stub->Execute(&context, request);
  return Collect(*reader);
}

ExecuteResult Execute(const std::shared_ptr<grpc::Channel>& channel, const reapi::Digest& action_digest,
                      bool skip_cache_lookup) {
  reapi::ExecuteRequest request;
  *request.mutable_action_digest() = action_digest;
  request.set_skip_cache_lookup(skip_cache_lookup);
  return Execute(channel, request);
}

ExecuteResult Finish(ExecutionStream& execution) {
  grpc::Status status = execution.Finish();
  return ResultOf(std::move(status), execution.updates());
}

ExecuteResult WaitExecution(const std::shared_ptr<grpc::Channel>& channel, const std::string& name,
                            std::chrono::seconds deadline) {
  auto stub = reapi::Execution::NewStub(channel);
  grpc::ClientContext context;
  SetDeadline(&context, deadline);
  reapi::WaitExecutionRequest request;
  request.set_name(name);
  auto reader = stub->WaitExecution(&context, request);
  return Collect(*reader);
}

std::string ReadBlobText(google::bytestream::ByteStream::Stub& bytestream, const reapi::Digest& digest) {
  std::string data;
  std::string name = "blobs/" + digest.hash() + "/" + std::to_string(digest.size_bytes());
  grpc::Status status = ByteStreamRead(bytestream, name, &data);
  EXPECT_TRUE(status.ok()) << Describe(status);
  return data;
}

std::vector<std::string> MissingSubjects(const grpc::Status& status) {
  std::vector<std::string> subjects;
  google::rpc::Status details;
  if (!details.ParseFromString(status.error_details())) return subjects;
  for (const auto& any : details.details()) {
    google::rpc::PreconditionFailure failure;
    if (!any.UnpackTo(&failure)) continue;
    for (const auto& violation : failure.violations()) {
      EXPECT_EQ(violation.type(), "MISSING");
      subjects.push_back(violation.subject());
    }
  }
  return subjects;
}

}  // namespace kiln_test
