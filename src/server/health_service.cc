#include "server/health_service.h"

#include <grpcpp/grpcpp.h>

#include <optional>

namespace kiln {

using grpc::health::v1::HealthCheckRequest;
using grpc::health::v1::HealthCheckResponse;

// One Watch: writes the status now, then each change; one write in flight at a time, the
// latest status wins when changes come faster than the client reads.
class HealthService::WatchReactor : public grpc::ServerWriteReactor<HealthCheckResponse> {
 public:
  WatchReactor(HealthService* service, std::string name) : service_(service), name_(std::move(name)) {}

  void Start() {
    listener_ = service_->readiness_->AddListener([this](bool ready) { Send(service_->StatusOf(name_, ready), false); });
    Send(service_->StatusOf(name_, service_->readiness_->Current().ok()), false);
  }

  // `last`: finish the stream once it is written.
  void Send(HealthCheckResponse::ServingStatus status, bool last) {
    std::lock_guard lock(mutex_);
    if (finishing_) return;
    pending_ = status;
    if (last) finishing_ = true;
    if (!writing_) WriteNextLocked();
  }

  void OnWriteDone(bool ok) override {
    std::lock_guard lock(mutex_);
    writing_ = false;
    if (!ok) {
      FinishLocked();
      return;
    }
    WriteNextLocked();
  }

  void OnCancel() override {
    std::lock_guard lock(mutex_);
    if (!writing_) FinishLocked();
    finishing_ = true;
  }

  void OnDone() override {
    service_->readiness_->RemoveListener(listener_);
    service_->Forget(this);
    delete this;
  }

 private:
  void WriteNextLocked() {
    if (pending_ && (!written_ || *pending_ != *written_)) {
      response_.set_status(*pending_);
      written_ = pending_;
      pending_.reset();
      writing_ = true;
      StartWrite(&response_);
      return;
    }
    pending_.reset();
    if (finishing_) FinishLocked();
  }
  void FinishLocked() {
    if (finished_) return;
    finished_ = true;
    Finish(grpc::Status::OK);
  }

  HealthService* const service_;
  const std::string name_;
  int listener_ = -1;
  std::mutex mutex_;
  HealthCheckResponse response_;
  std::optional<HealthCheckResponse::ServingStatus> pending_;
  std::optional<HealthCheckResponse::ServingStatus> written_;
  bool writing_ = false;
  bool finishing_ = false;
  bool finished_ = false;
};

HealthService::HealthService(Readiness* readiness, std::set<std::string> services)
    : readiness_(readiness), services_(std::move(services)) {}

HealthService::~HealthService() = default;

std::set<std::string> HealthService::KilnServices(bool executes) {
  std::set<std::string> names = {"build.bazel.remote.execution.v2.Capabilities",
                                 "build.bazel.remote.execution.v2.ContentAddressableStorage",
                                 "build.bazel.remote.execution.v2.ActionCache", "google.bytestream.ByteStream",
                                 "build.bazel.remote.asset.v1.Fetch", "build.bazel.remote.asset.v1.Push"};
  if (executes) names.insert({"build.bazel.remote.execution.v2.Execution", "google.longrunning.Operations"});
  return names;
}

HealthCheckResponse::ServingStatus HealthService::StatusOf(const std::string& service, bool ready) const {
  if (!service.empty() && !services_.contains(service)) return HealthCheckResponse::SERVICE_UNKNOWN;
  return ready ? HealthCheckResponse::SERVING : HealthCheckResponse::NOT_SERVING;
}

grpc::ServerUnaryReactor* HealthService::Check(grpc::CallbackServerContext* context, const HealthCheckRequest* request,
                                               HealthCheckResponse* response) {
  auto* reactor = context->DefaultReactor();
  const auto status = StatusOf(request->service(), readiness_->Current().ok());
  if (status == HealthCheckResponse::SERVICE_UNKNOWN) {
    reactor->Finish(grpc::Status(grpc::StatusCode::NOT_FOUND, "unknown service " + request->service()));
    return reactor;
  }
  response->set_status(status);
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

grpc::ServerWriteReactor<HealthCheckResponse>* HealthService::Watch(grpc::CallbackServerContext* context,
                                                                    const HealthCheckRequest* request) {
  auto* reactor = new WatchReactor(this, request->service());
  bool shut_down;
  {
    std::lock_guard lock(mutex_);
    shut_down = shut_down_;
    watches_.insert(reactor);
  }
  reactor->Start();
  if (shut_down) reactor->Send(HealthCheckResponse::NOT_SERVING, true);
  return reactor;
}

void HealthService::Shutdown() {
  std::lock_guard lock(mutex_);
  shut_down_ = true;
  for (WatchReactor* watch : watches_) watch->Send(HealthCheckResponse::NOT_SERVING, true);
}

void HealthService::Forget(WatchReactor* reactor) {
  std::lock_guard lock(mutex_);
  watches_.erase(reactor);
}

}  // namespace kiln
