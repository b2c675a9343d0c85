// Test support shared by the WorkerService and RemoteWorker tests: an in-process frontend
// (`kiln serve --workers 0`), actions uploaded to it, and Execute streams read on a thread
// so that tests can act on updates as they arrive.
#pragma once

#include <gtest/gtest.h>
#include <grpcpp/grpcpp.h>

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "build/bazel/remote/execution/v2/remote_execution.grpc.pb.h"
#include "client/remote_blob_store.h"
#include "common/hasher.h"
#include "common/proto_digest.h"
#include "google/longrunning/operations.grpc.pb.h"
#include "server/kiln_server.h"
#include "testing/temp_dir.h"

namespace kiln::worker_test {

inline std::chrono::system_clock::time_point Deadline(int seconds = 20) {
  return std::chrono::system_clock::now() + std::chrono::seconds(seconds);
}

// A kiln frontend in this process, without local workers, plus a client CAS to it.
class InProcessFrontend {
 public:
  // `listen` may name a fixed port (for restarts); the data directory is kept across them.
  Status Start(const std::string& listen = "127.0.0.1:0") {
    ServerOptions options;
    options.listen = listen;
    options.data_dir = dir_.path();
    options.workers = 0;
    auto server = KilnServer::Start(options);
    if (!server.ok()) return server.status();
    server_ = std::move(server).value();
    channel_ = grpc::CreateChannel(address(), grpc::InsecureChannelCredentials());
    RemoteBlobStoreOptions store_options;
    store_options.rpc_timeout = std::chrono::seconds(20);
    cas_ = NewRemoteBlobStore(channel_, store_options);
    return Status::Ok();
  }
  void Stop() {
    cas_.reset();
    channel_.reset();
    if (server_) server_->Shutdown(std::chrono::seconds(5));
    server_.reset();
  }

  std::string address() const { return "127.0.0.1:" + std::to_string(server_->port()); }
  const std::shared_ptr<grpc::Channel>& channel() const { return channel_; }
  BlobStore& cas() { return *cas_; }
  KilnServer& server() { return *server_; }

  // Uploads `/bin/sh -c script` (no inputs) and returns the Action's digest.
  Digest UploadShellAction(const std::string& script) {
    reapi::Command command;
    for (const char* argument : {"/bin/sh", "-c"}) command.add_arguments(argument);
    command.add_arguments(script);
    auto* path = command.add_environment_variables();
    path->set_name("PATH");
    path->set_value("/usr/bin:/bin");
    reapi::Action action;
    *action.mutable_command_digest() = Upload(command.SerializeAsString());
    *action.mutable_input_root_digest() = Upload(reapi::Directory().SerializeAsString());
    auto digest = FromProto(DigestFunction::kSha256, Upload(action.SerializeAsString()), "action");
    EXPECT_TRUE(digest.ok());
    return *digest;
  }

  reapi::Digest Upload(const std::string& bytes) {
    Digest digest = ComputeDigest(DigestFunction::kSha256, bytes);
    EXPECT_TRUE(WriteBlob(*cas_, digest, bytes).ok());
    return ToProto(digest);
  }

 private:
  TempDir dir_;
  std::unique_ptr<KilnServer> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<BlobStore> cas_;
};

inline reapi::ExecuteOperationMetadata MetadataOf(const google::longrunning::Operation& operation) {
  reapi::ExecuteOperationMetadata metadata;
  operation.metadata().UnpackTo(&metadata);
  return metadata;
}

// One Execute call, read on its own thread.
class ExecutionStream {
 public:
  ExecutionStream(const std::shared_ptr<grpc::Channel>& channel, const Digest& action)
      : stub_(reapi::Execution::NewStub(channel)), operations_(google::longrunning::Operations::NewStub(channel)) {
    context_.set_deadline(Deadline(30));
    reapi::ExecuteRequest request;
    *request.mutable_action_digest() = ToProto(action);
    reader_ = stub_->Execute(&context_, request);
    thread_ = std::thread([this] {
      google::longrunning::Operation operation;
      while (reader_->Read(&operation)) {
        std::lock_guard lock(mutex_);
        updates_.push_back(operation);
        changed_.notify_all();
      }
      std::lock_guard lock(mutex_);
      ended_ = true;
      changed_.notify_all();
    });
  }
  // Cancels the operation if it is still running, so that no test leaves work behind.
  ~ExecutionStream() {
    std::string unfinished;
    {
      std::lock_guard lock(mutex_);
      if (!ended_ && !updates_.empty() && !updates_.back().done()) unfinished = updates_.back().name();
    }
    if (!unfinished.empty()) {
      grpc::ClientContext context;
      context.set_deadline(Deadline(5));
      google::longrunning::CancelOperationRequest request;
      request.set_name(unfinished);
      google::protobuf::Empty empty;
      (void)operations_->CancelOperation(&context, request, &empty);
    }
    context_.TryCancel();
    if (thread_.joinable()) thread_.join();
  }

  // Waits (bounded) for an update satisfying `predicate`; false on timeout or stream end.
  bool WaitFor(const std::function<bool(const google::longrunning::Operation&)>& predicate, int seconds = 20) {
    std::unique_lock lock(mutex_);
    bool found = false;
    changed_.wait_for(lock, std::chrono::seconds(seconds), [&] {
      for (const auto& update : updates_) found = found || predicate(update);
      return found || ended_;
    });
    return found;
  }
  // The operation's name, from the first update.
  std::string Name() {
    std::string name;
    WaitFor([&](const google::longrunning::Operation& update) {
      name = update.name();
      return true;
    });
    return name;
  }
  // Waits for the stream's end; the final ExecuteResponse if it ended with a done operation.
  grpc::Status Finish(reapi::ExecuteResponse* response) {
    thread_.join();
    grpc::Status status = reader_->Finish();
    if (!updates_.empty() && updates_.back().done()) updates_.back().response().UnpackTo(response);
    return status;
  }

 private:
  std::unique_ptr<reapi::Execution::Stub> stub_;
  std::unique_ptr<google::longrunning::Operations::Stub> operations_;
  grpc::ClientContext context_;
  std::unique_ptr<grpc::ClientReader<google::longrunning::Operation>> reader_;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<google::longrunning::Operation> updates_;
  bool ended_ = false;
};

}  // namespace kiln::worker_test
