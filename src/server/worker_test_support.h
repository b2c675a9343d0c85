// Test support shared by the WorkerService and RemoteWorker tests: an in-process frontend
// (`kiln serve --workers 0`) and actions uploaded to it (their Execute streams are read with
// testing/execution_stream.h), and the worker's end of a Connect stream driven by hand.
#pragma once

#include <gtest/gtest.h>
#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "build/bazel/remote/execution/v2/remote_execution.grpc.pb.h"
#include "client/remote_blob_store.h"
#include "common/hasher.h"
#include "common/proto_digest.h"
#include "server/kiln_server.h"
#include "server/worker_service.h"
#include "testing/execution_stream.h"
#include "testing/temp_dir.h"

namespace kiln::worker_test {

inline std::chrono::system_clock::time_point Deadline(int seconds = 20) {
  return std::chrono::system_clock::now() + std::chrono::seconds(seconds);
}

// `service` alone on a loopback port, and a channel to it: the frontend's worker side
// without the rest of a frontend.
struct ServiceOnLoopback {
  std::unique_ptr<grpc::Server> server;
  std::shared_ptr<grpc::Channel> channel;
};
inline ServiceOnLoopback ServeOnLoopback(grpc::Service* service) {
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(service);
  ServiceOnLoopback served;
  served.server = builder.BuildAndStart();
  EXPECT_NE(port, 0);
  served.channel = grpc::CreateChannel("127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials());
  return served;
}

// A kiln frontend in this process, without local workers, plus a client CAS to it.
class InProcessFrontend {
 public:
  // `listen` may name a fixed port (for restarts); the data directory is kept across them.
  Status Start(const std::string& listen = "127.0.0.1:0") {
    ServerOptions options;
    options.listen = listen;
    options.data_dir = dir_.path();
    options.http_listen = "";  // No HTTP port: these servers run side by side (the default is one port).
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
  // `grace`: how long calls in progress may go on (0: a frontend that goes away at once).
  void Stop(Duration grace = std::chrono::seconds(5)) {
    cas_.reset();
    channel_.reset();
    if (server_) server_->Shutdown(grace);
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

// The worker's end of one Connect stream, one call at a time.
class HandDrivenWorker {
 public:
  explicit HandDrivenWorker(const std::shared_ptr<grpc::Channel>& channel)
      : stub_(wire::WorkerService::NewStub(channel)) {
    context_.set_deadline(Deadline(30));
    stream_ = stub_->Connect(&context_);
  }
  ~HandDrivenWorker() { context_.TryCancel(); }

  // Sends Hello; true once the frontend has registered the worker.
  bool Hello(const std::string& worker_id) {
    wire::WorkerMessage message;
    message.mutable_hello()->set_worker_id(worker_id);
    if (!stream_->Write(message)) return false;
    stream_->WaitForInitialMetadata();
    return context_.GetServerInitialMetadata().count(kWorkerRegisteredMetadataKey) > 0;
  }
  bool RequestWork() {
    wire::WorkerMessage message;
    message.mutable_work_request();
    return stream_->Write(message);
  }
  // `attempt` 0 is what workers that predate the field send.
  bool Started(const std::string& operation, uint32_t attempt = 0) {
    wire::WorkerMessage message;
    message.mutable_started()->set_operation_name(operation);
    message.mutable_started()->set_attempt(attempt);
    return stream_->Write(message);
  }
  bool Finished(const std::string& operation, const reapi::ActionResult& result, const google::rpc::Status& status,
                uint32_t attempt = 0) {
    wire::WorkerMessage message;
    message.mutable_finished()->set_operation_name(operation);
    message.mutable_finished()->set_attempt(attempt);
    *message.mutable_finished()->mutable_result() = result;
    *message.mutable_finished()->mutable_status() = status;
    return stream_->Write(message);
  }
  bool Send(const wire::WorkerMessage& message) { return stream_->Write(message); }
  // Blocks until the next message (bounded by the call's deadline).
  bool Read(wire::SchedulerMessage* message) { return stream_->Read(message); }
  // Drops the connection, as a crashed worker would.
  void Disconnect() { context_.TryCancel(); }
  // The status the frontend ended the stream with.
  grpc::Status Finish() {
    wire::SchedulerMessage ignored;
    while (stream_->Read(&ignored)) {
    }
    return stream_->Finish();
  }

 private:
  std::unique_ptr<wire::WorkerService::Stub> stub_;
  grpc::ClientContext context_;
  std::unique_ptr<grpc::ClientReaderWriter<wire::WorkerMessage, wire::SchedulerMessage>> stream_;
};

}  // namespace kiln::worker_test
