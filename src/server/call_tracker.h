// Counts the gRPC calls in progress, so that shutdown can wait exactly as long as running
// calls need. gRPC's own Shutdown(deadline) also waits for idle client connections to go
// away, which Bazel keeps open: every stop would take the whole grace period.
// Its interceptor, which sees every call anyway, also records the per-RPC metrics
// (rpc_metrics.h): one interceptor per call rather than two.
#pragma once

#include <grpcpp/grpcpp.h>
#include <grpcpp/support/server_interceptor.h>

#include <atomic>
#include <memory>

#include "common/clock.h"
#include "server/rpc_metrics.h"

namespace kiln {

class CallTracker {
 public:
  // An interceptor factory to register with the ServerBuilder; it must not outlive this,
  // nor `metrics`, which records each call's method, status and latency (null: no metrics).
  std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> NewInterceptorFactory(
      RpcMetrics* metrics = nullptr);

  int64_t active_calls() const { return active_.load(); }
  // Returns when no call is active or `timeout` has passed; true if none is active.
  bool WaitUntilIdle(Duration timeout) const;

 private:
  class Interceptor;
  class Factory;
  std::atomic<int64_t> active_{0};
};

}  // namespace kiln
