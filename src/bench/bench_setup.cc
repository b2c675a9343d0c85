#include "bench/bench_setup.h"

#include "bench/scenario.h"
#include "client/remote_blob_rpc.h"
#include "common/hasher.h"
#include "common/proto_digest.h"
#include "common/resource_name.h"
#include "google/longrunning/operations.pb.h"

namespace kiln {
namespace {

constexpr size_t kBatchBytes = size_t{1} << 20;

Status SendBatch(BenchTarget& target, const reapi::BatchUpdateBlobsRequest& request) {
  reapi::BatchUpdateBlobsResponse response;
  grpc::ClientContext context;
  SetBenchDeadline(context);
  KILN_RETURN_IF_ERROR(FromGrpcStatus(target.cas(0).BatchUpdateBlobs(&context, request, &response),
                                      "uploading setup blobs"));
  for (const auto& item : response.responses()) {
    KILN_RETURN_IF_ERROR(FromRpcStatus(item.status(), "uploading setup blob " + item.digest().hash()));
  }
  return Status::Ok();
}

// One blob too large for a batch, through ByteStream Write in chunks of kBatchBytes.
Status WriteBlob(BenchTarget& target, const std::string& blob) {
  const Digest digest = ComputeDigest(DigestFunction::kSha256, blob);
  grpc::ClientContext context;
  SetBenchDeadline(context);
  google::bytestream::WriteResponse response;
  auto writer = target.bytestream(0).Write(&context, &response);
  google::bytestream::WriteRequest request;
  request.set_resource_name(MakeWriteResourceName(target.instance_name(), NewUploadId(), digest));
  for (size_t offset = 0; offset < blob.size(); offset += kBatchBytes) {
    request.set_write_offset(static_cast<int64_t>(offset));
    request.set_data(blob.substr(offset, kBatchBytes));
    request.set_finish_write(offset + kBatchBytes >= blob.size());
    if (!writer->Write(request)) break;  // Finish says why.
    request.clear_resource_name();
  }
  writer->WritesDone();
  return FromGrpcStatus(writer->Finish(), "uploading setup blob " + digest.hash());
}

}  // namespace

Status UploadBlobs(BenchTarget& target, const std::vector<std::string>& blobs) {
  reapi::BatchUpdateBlobsRequest request;
  request.set_instance_name(target.instance_name());
  size_t batch_bytes = 0;
  for (const std::string& blob : blobs) {
    if (blob.size() > kBatchBytes) {
      KILN_RETURN_IF_ERROR(WriteBlob(target, blob));
      continue;
    }
    if (batch_bytes + blob.size() > kBatchBytes && request.requests_size() > 0) {
      KILN_RETURN_IF_ERROR(SendBatch(target, request));
      request.clear_requests();
      batch_bytes = 0;
    }
    auto* item = request.add_requests();
    *item->mutable_digest() = ToProto(ComputeDigest(DigestFunction::kSha256, blob));
    item->set_data(blob);
    batch_bytes += blob.size();
  }
  if (request.requests_size() > 0) KILN_RETURN_IF_ERROR(SendBatch(target, request));
  return Status::Ok();
}

StatusOr<Digest> UploadMessage(BenchTarget& target, const google::protobuf::Message& message) {
  const std::string bytes = message.SerializeAsString();
  KILN_RETURN_IF_ERROR(UploadBlobs(target, {bytes}));
  return ComputeDigest(DigestFunction::kSha256, bytes);
}

Status UpdateActionResult(BenchTarget& target, const Digest& action_digest, const reapi::ActionResult& result) {
  reapi::UpdateActionResultRequest request;
  request.set_instance_name(target.instance_name());
  *request.mutable_action_digest() = ToProto(action_digest);
  *request.mutable_action_result() = result;
  reapi::ActionResult response;
  grpc::ClientContext context;
  SetBenchDeadline(context);
  return FromGrpcStatus(target.action_cache(0).UpdateActionResult(&context, request, &response),
                        "storing the action result for GetActionResult");
}

StatusOr<reapi::ExecuteResponse> ExecuteToCompletion(BenchTarget& target, const Digest& action_digest) {
  reapi::ExecuteRequest request;
  request.set_instance_name(target.instance_name());
  *request.mutable_action_digest() = ToProto(action_digest);
  grpc::ClientContext context;
  SetBenchDeadline(context);
  auto reader = target.execution(0).Execute(&context, request);
  google::longrunning::Operation operation;
  reapi::ExecuteResponse response;
  bool done = false;
  while (reader->Read(&operation)) {
    if (operation.done()) {
      done = true;
      if (operation.has_error()) return FromRpcStatus(operation.error(), "executing the setup action");
      if (!operation.response().UnpackTo(&response)) {
        return Status::Internal("executing the setup action: the final operation holds no ExecuteResponse");
      }
    }
  }
  KILN_RETURN_IF_ERROR(FromGrpcStatus(reader->Finish(), "executing the setup action"));
  if (!done) return Status::Internal("executing the setup action: the stream ended before the operation was done");
  const OpResult checked = CheckExecuteResponse(response);
  if (!checked.ok) return Status::Internal("executing the setup action: " + checked.error);
  return response;
}

OpResult CheckExecuteResponse(const reapi::ExecuteResponse& response) {
  if (response.status().code() != 0) {
    return OpResult::Failure(std::string(StatusCodeName(static_cast<StatusCode>(response.status().code()))) + ": " +
                             response.status().message());
  }
  if (response.result().exit_code() != 0) {
    return OpResult::Failure("the action exited with " + std::to_string(response.result().exit_code()));
  }
  return OpResult::Success();
}

}  // namespace kiln
