#include "server/call_tracker.h"

#include <thread>

namespace kiln {

// gRPC creates one interceptor per call and destroys it when the call is over.
class CallTracker::Interceptor final : public grpc::experimental::Interceptor {
 public:
  explicit Interceptor(std::atomic<int64_t>* active) : active_(active) { ++*active_; }
  ~Interceptor() override { --*active_; }
  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override { methods->Proceed(); }

 private:
  std::atomic<int64_t>* active_;
};

class CallTracker::Factory final : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit Factory(std::atomic<int64_t>* active) : active_(active) {}
  grpc::experimental::Interceptor* CreateServerInterceptor(grpc::experimental::ServerRpcInfo*) override {
    return new Interceptor(active_);
  }

 private:
  std::atomic<int64_t>* active_;
};

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> CallTracker::NewInterceptorFactory() {
  return std::make_unique<Factory>(&active_);
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
