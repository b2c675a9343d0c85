#include "server/operation_message.h"

#include "common/proto_digest.h"

namespace kiln {
namespace {

reapi::ExecutionStage::Value ToProto(ExecutionStage stage) {
  switch (stage) {
    case ExecutionStage::kCacheCheck: return reapi::ExecutionStage::CACHE_CHECK;
    case ExecutionStage::kQueued: return reapi::ExecutionStage::QUEUED;
    case ExecutionStage::kExecuting: return reapi::ExecutionStage::EXECUTING;
    case ExecutionStage::kCompleted: return reapi::ExecutionStage::COMPLETED;
  }
  return reapi::ExecutionStage::UNKNOWN;
}

reapi::ExecuteOperationMetadata Metadata(ExecutionStage stage, const Digest& action_digest) {
  reapi::ExecuteOperationMetadata metadata;
  metadata.set_stage(ToProto(stage));
  *metadata.mutable_action_digest() = kiln::ToProto(action_digest);
  metadata.set_digest_function(kiln::ToProto(action_digest.function()));
  return metadata;
}

}  // namespace

google::longrunning::Operation ToOperationMessage(const OperationSnapshot& snapshot) {
  google::longrunning::Operation operation;
  operation.set_name(snapshot.name);
  reapi::ExecuteOperationMetadata metadata = Metadata(snapshot.stage, snapshot.action_digest);
  *metadata.mutable_partial_execution_metadata() = snapshot.partial_metadata;
  metadata.set_stdout_stream_name(snapshot.stdout_stream_name);
  metadata.set_stderr_stream_name(snapshot.stderr_stream_name);
  operation.mutable_metadata()->PackFrom(metadata);
  if (snapshot.done) {
    operation.set_done(true);
    operation.mutable_response()->PackFrom(snapshot.response);
  }
  return operation;
}

google::longrunning::Operation CacheCheckMessage(const std::string& name, const Digest& action_digest) {
  google::longrunning::Operation operation;
  operation.set_name(name);
  operation.mutable_metadata()->PackFrom(Metadata(ExecutionStage::kCacheCheck, action_digest));
  return operation;
}

}  // namespace kiln
