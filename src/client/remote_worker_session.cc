#include "client/remote_worker_session.h"

#include "server/worker_service.h"

namespace kiln {
namespace {

Status FromGrpc(const grpc::Status& status) {
  if (status.ok()) return Status::Ok();
  return Status(static_cast<StatusCode>(status.error_code()), status.error_message());
}

}  // namespace

Status RemoteWorkerSession::Open(wire::WorkerService::Stub& stub, const wire::Hello& hello) {
  stream_ = stub.Connect(&context_);
  wire::WorkerMessage message;
  *message.mutable_hello() = hello;
  if (stream_->Write(message)) {
    // The frontend sends initial metadata only once it registered the worker; a refused
    // or failed call ends with a status and no such key.
    stream_->WaitForInitialMetadata();
    const auto& metadata = context_.GetServerInitialMetadata();
    if (metadata.find(kWorkerRegisteredMetadataKey) != metadata.end()) return Status::Ok();
  }
  Status status = Close();
  return status.ok() ? Status::Unavailable("the frontend ended the stream without accepting the worker") : status;
}

bool RemoteWorkerSession::Send(const wire::WorkerMessage& message) {
  std::lock_guard lock(send_mutex_);
  if (closed_ || !stream_) return false;
  return stream_->Write(message);
}

bool RemoteWorkerSession::Read(wire::SchedulerMessage* message) { return stream_->Read(message); }

Status RemoteWorkerSession::Close() {
  {
    // Taking the lock waits out a Write in progress (it fails fast on a broken stream).
    std::lock_guard lock(send_mutex_);
    closed_ = true;
  }
  if (!finished_ && stream_) {
    finished_ = true;
    final_status_ = FromGrpc(stream_->Finish());
  }
  return final_status_;
}

}  // namespace kiln
