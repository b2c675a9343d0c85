// One Execute call read on its own thread, so that a test can act on updates as they
// arrive (kill or drive the worker running the action, read its live output, cancel it).
// Shared by the unit tests (in-process frontend) and the integration tests (real binary).
#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "build/bazel/remote/execution/v2/remote_execution.grpc.pb.h"
#include "common/proto_digest.h"
#include "google/longrunning/operations.grpc.pb.h"

namespace kiln {

inline reapi::ExecuteOperationMetadata MetadataOf(const google::longrunning::Operation& operation) {
  reapi::ExecuteOperationMetadata metadata;
  operation.metadata().UnpackTo(&metadata);
  return metadata;
}

class ExecutionStream {
 public:
  using Operation = google::longrunning::Operation;
  static constexpr std::chrono::seconds kDefaultWait{20};

  // Starts Execute for `action`; the whole call is bounded by `call_deadline`.
  ExecutionStream(const std::shared_ptr<grpc::Channel>& channel, const reapi::Digest& action,
                  std::chrono::seconds call_deadline = std::chrono::seconds(60))
      : stub_(reapi::Execution::NewStub(channel)), operations_(google::longrunning::Operations::NewStub(channel)) {
    context_.set_deadline(std::chrono::system_clock::now() + call_deadline);
    reapi::ExecuteRequest request;
    *request.mutable_action_digest() = action;
    reader_ = stub_->Execute(&context_, request);
    thread_ = std::thread([this] { ReadUpdates(); });
  }
  ExecutionStream(const std::shared_ptr<grpc::Channel>& channel, const Digest& action)
      : ExecutionStream(channel, ToProto(action)) {}

  // Cancels the operation if it is still running, so that no test leaves work behind.
  ~ExecutionStream() {
    std::string unfinished;
    {
      std::lock_guard lock(mutex_);
      if (!ended_ && !updates_.empty() && !updates_.back().done()) unfinished = updates_.back().name();
    }
    if (!unfinished.empty()) (void)CancelOperation(unfinished);
    context_.TryCancel();
    if (thread_.joinable()) thread_.join();
  }
  ExecutionStream(const ExecutionStream&) = delete;
  ExecutionStream& operator=(const ExecutionStream&) = delete;

  // Waits (bounded) for an update satisfying `predicate`; false on timeout or stream end.
  bool WaitFor(const std::function<bool(const Operation&)>& predicate, std::chrono::seconds timeout = kDefaultWait) {
    std::unique_lock lock(mutex_);
    bool found = false;
    changed_.wait_for(lock, timeout, [&] {
      for (const Operation& update : updates_) found = found || predicate(update);
      return found || ended_;
    });
    return found;
  }
  // The same, for a predicate on the update's ExecuteOperationMetadata.
  bool WaitForMetadata(const std::function<bool(const reapi::ExecuteOperationMetadata&)>& predicate,
                       std::chrono::seconds timeout = kDefaultWait) {
    return WaitFor([&](const Operation& update) { return predicate(MetadataOf(update)); }, timeout);
  }

  // The operation's name, from the first update (waits for it, bounded; empty if none came).
  std::string Name() {
    std::string name;
    WaitFor([&](const Operation& update) {
      name = update.name();
      return true;
    });
    return name;
  }
  // The metadata of the latest update (default if none came yet).
  reapi::ExecuteOperationMetadata LatestMetadata() {
    std::lock_guard lock(mutex_);
    return updates_.empty() ? reapi::ExecuteOperationMetadata() : MetadataOf(updates_.back());
  }
  // Cancels the operation (CancelOperation under its name, bounded).
  grpc::Status Cancel() { return CancelOperation(Name()); }
  // Whether the done update has arrived.
  bool done() {
    std::lock_guard lock(mutex_);
    return !updates_.empty() && updates_.back().done();
  }

  // Waits for the end of the stream (bounded by the call's deadline) and returns the call's
  // status; `updates()` then holds every update.
  grpc::Status Finish() {
    thread_.join();
    return reader_->Finish();
  }
  // The same, also unpacking the final ExecuteResponse if the stream ended with a done operation.
  grpc::Status Finish(reapi::ExecuteResponse* response) {
    grpc::Status status = Finish();
    if (!updates_.empty() && updates_.back().done()) updates_.back().response().UnpackTo(response);
    return status;
  }
  // REQUIRES: Finish() returned (the reading thread no longer appends).
  const std::vector<Operation>& updates() const { return updates_; }

 private:
  void ReadUpdates() {
    Operation operation;
    while (reader_->Read(&operation)) {
      std::lock_guard lock(mutex_);
      updates_.push_back(operation);
      changed_.notify_all();
    }
    std::lock_guard lock(mutex_);
    ended_ = true;
    changed_.notify_all();
  }

  grpc::Status CancelOperation(const std::string& name) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    google::longrunning::CancelOperationRequest request;
    request.set_name(name);
    google::protobuf::Empty empty;
    return operations_->CancelOperation(&context, request, &empty);
  }

  std::unique_ptr<reapi::Execution::Stub> stub_;
  std::unique_ptr<google::longrunning::Operations::Stub> operations_;
  grpc::ClientContext context_;
  std::unique_ptr<grpc::ClientReader<Operation>> reader_;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<Operation> updates_;
  bool ended_ = false;
};

}  // namespace kiln
