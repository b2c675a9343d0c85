#include "server/call_tracker.h"

#include <thread>

namespace kiln {

// gRPC creates one interceptor per call and destroys it when the call is over.
class CallTracker::Interceptor final : public grpc::experimental::Interceptor {
 public:
  Interceptor(std::atomic<int64_t>* active, RpcMetrics* metrics, const char* method_path)
      : active_(active), metrics_(metrics) {
    ++*active_;
    if (metrics_ != nullptr) {
      method_ = metrics_->Find(method_path);
      start_ = std::chrono::steady_clock::now();
    }
  }
  ~Interceptor() override {
    // No status sent: the call was cancelled (the client went away, or the server stopped).
    if (method_ != nullptr && !recorded_) Record(grpc::StatusCode::CANCELLED);
    --*active_;
  }
  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (method_ != nullptr && !recorded_ &&
        methods->QueryInterceptionHookPoint(grpc::experimental::InterceptionHookPoints::PRE_SEND_STATUS)) {
      Record(methods->GetSendStatus().error_code());
    }
    methods->Proceed();
  }

 private:
  void Record(grpc::StatusCode code) {
    recorded_ = true;
    const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start_;
    metrics_->Record(method_, static_cast<int>(code), elapsed.count());
  }

  std::atomic<int64_t>* active_;
  RpcMetrics* metrics_;
  RpcMetrics::Method* method_ = nullptr;  // Null without metrics.
  std::chrono::steady_clock::time_point start_;
  bool recorded_ = false;
};

class CallTracker::Factory final : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  Factory(std::atomic<int64_t>* active, RpcMetrics* metrics) : active_(active), metrics_(metrics) {}
  grpc::experimental::Interceptor* CreateServerInterceptor(grpc::experimental::ServerRpcInfo* info) override {
    return new Interceptor(active_, metrics_, info->method());
  }

 private:
  std::atomic<int64_t>* active_;
  RpcMetrics* metrics_;
};

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> CallTracker::NewInterceptorFactory(
    RpcMetrics* metrics) {
  return std::make_unique<Factory>(&active_, metrics);
}

bool CallTracker::WaitUntilIdle(Duration timeout) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (active_.load() > 0) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

}  // namespace kiln
