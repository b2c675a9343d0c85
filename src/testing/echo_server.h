// For TLS and metadata tests: an in-process gRPC server (on 127.0.0.1, any port) whose every
// method echoes the request, and which records, per call, the "authorization" metadata and
// the verified client certificate's names (server/peer_certificate_names.h). Test code only.
#pragma once

#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "server/peer_certificate_names.h"

namespace kiln::testing {

struct RecordedCall {
  std::string authorization;  // Empty if the call had none.
  std::optional<PeerCertificateNames> peer;
};

class EchoServer {
 public:
  explicit EchoServer(std::shared_ptr<grpc::ServerCredentials> credentials) : service_(this) {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", std::move(credentials), &port_);
    builder.RegisterCallbackGenericService(&service_);
    server_ = builder.BuildAndStart();
  }
  ~EchoServer() {
    if (server_) server_->Shutdown(std::chrono::system_clock::now());
  }

  bool started() const { return server_ != nullptr && port_ != 0; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

  std::vector<RecordedCall> calls() {
    std::lock_guard lock(mutex_);
    return calls_;
  }

  // One call on `channel` (waiting at most 5 s, for connecting too); its status.
  static grpc::Status Call(const std::shared_ptr<grpc::Channel>& channel) {
    grpc::GenericStub stub(channel);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    grpc::Slice slice("ping", 4);
    grpc::ByteBuffer request(&slice, 1), response;
    std::promise<grpc::Status> done;
    stub.UnaryCall(&context, "/kiln.test.Echo/Echo", grpc::StubOptions(), &request, &response,
                   [&done](grpc::Status status) { done.set_value(std::move(status)); });
    return done.get_future().get();
  }

 private:
  class Service final : public grpc::CallbackGenericService {
   public:
    explicit Service(EchoServer* server) : server_(server) {}
    grpc::ServerGenericBidiReactor* CreateReactor(grpc::GenericCallbackServerContext* context) override {
      RecordedCall call;
      const auto& metadata = context->client_metadata();
      if (auto it = metadata.find("authorization"); it != metadata.end()) {
        call.authorization.assign(it->second.data(), it->second.size());
      }
      call.peer = VerifiedPeerCertificateNames(*context);
      {
        std::lock_guard lock(server_->mutex_);
        server_->calls_.push_back(std::move(call));
      }
      return new Echo();
    }

   private:
    EchoServer* server_;
  };

  class Echo final : public grpc::ServerGenericBidiReactor {
   public:
    Echo() { StartRead(&message_); }
    void OnReadDone(bool ok) override {
      if (!ok) return Finish(grpc::Status::OK);
      StartWrite(&message_);
    }
    void OnWriteDone(bool ok) override { Finish(ok ? grpc::Status::OK : grpc::Status::CANCELLED); }
    void OnDone() override { delete this; }

   private:
    grpc::ByteBuffer message_;
  };

  Service service_;
  std::mutex mutex_;
  std::vector<RecordedCall> calls_;
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
};

}  // namespace kiln::testing
