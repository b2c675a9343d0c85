#include "client/action_output_client.h"

#include <grpcpp/grpcpp.h>

#include "build/bazel/remote/execution/v2/remote_execution.grpc.pb.h"
#include "client/remote_blob_rpc.h"
#include "client/remote_blob_store.h"
#include "google/bytestream/bytestream.grpc.pb.h"

namespace kiln {

struct ActionOutputClient::Stubs {
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<reapi::Execution::Stub> execution;
  std::unique_ptr<google::bytestream::ByteStream::Stub> bytestream;
  std::unique_ptr<BlobStore> cas;
};

ActionOutputClient::ActionOutputClient(const ClientChannelFactory& channels, const std::string& instance_name)
    : stubs_(std::make_unique<Stubs>()) {
  stubs_->channel = channels.NewChannel();
  stubs_->execution = reapi::Execution::NewStub(stubs_->channel);
  stubs_->bytestream = google::bytestream::ByteStream::NewStub(stubs_->channel);
  RemoteBlobStoreOptions cas_options;
  cas_options.instance_name = instance_name;
  stubs_->cas = NewRemoteBlobStore(stubs_->channel, cas_options);
}

ActionOutputClient::~ActionOutputClient() = default;

StatusOr<OperationProgress> ActionOutputClient::WaitForStreamsOrEnd(const std::string& operation) {
  grpc::ClientContext context;
  reapi::WaitExecutionRequest request;
  request.set_name(operation);
  auto reader = stubs_->execution->WaitExecution(&context, request);
  google::longrunning::Operation update;
  OperationProgress progress;
  const auto has_streams = [&] {
    return !progress.metadata.stdout_stream_name().empty() || !progress.metadata.stderr_stream_name().empty();
  };
  while (reader->Read(&update)) {
    update.metadata().UnpackTo(&progress.metadata);
    if (update.done()) {
      reapi::ExecuteResponse response;
      update.response().UnpackTo(&response);
      progress.response = std::move(response);
      break;
    }
    if (has_streams()) break;
  }
  // We have what we need; stop following. Only then: cancelling a stream the server has
  // already ended would turn its status (NOT_FOUND for an unknown operation) into CANCELLED.
  if (progress.response || has_streams()) context.TryCancel();
  const grpc::Status status = reader->Finish();
  if (progress.response || has_streams()) return progress;
  if (status.ok()) return Status::Unavailable("the server ended the operation stream before the action finished");
  return FromGrpcStatus(status, "following " + operation);
}

Status ActionOutputClient::CopyLogStream(const std::string& read_name, std::FILE* out) {
  grpc::ClientContext context;
  google::bytestream::ReadRequest request;
  request.set_resource_name(read_name);
  auto reader = stubs_->bytestream->Read(&context, request);
  google::bytestream::ReadResponse response;
  while (reader->Read(&response)) {
    std::fwrite(response.data().data(), 1, response.data().size(), out);
    std::fflush(out);
  }
  return FromGrpcStatus(reader->Finish(), "reading log stream " + read_name);
}

BlobStore& ActionOutputClient::cas() { return *stubs_->cas; }

}  // namespace kiln
