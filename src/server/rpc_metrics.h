// Per-RPC metrics: a latency histogram by service, method and status code, and the count
// of finished calls derived from it at scrape time (so a call costs one histogram
// observation, no separate counter). The CallTracker's interceptor records each call;
// nothing else in kiln needs to. The method's histograms are found without a lock: the
// methods kiln serves (rpc_methods.h) are in a table built at start-up, each holding one
// child per status code, created the first time that code is seen. Thread-safe.
#pragma once

#include <array>
#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "metrics/metric_registry.h"

namespace kiln {

class RpcMetrics {
 public:
  // One method's children.
  class Method;

  // Adds kiln_grpc_server_handling_seconds and kiln_grpc_server_handled_total to `registry`,
  // which must outlive this.
  explicit RpcMetrics(metrics::MetricRegistry& registry);
  ~RpcMetrics();

  // `path` is the call's "/package.Service/Method". Never null: a method outside the
  // table (a service added later) gets a slot of its own, under a lock, once.
  Method* Find(std::string_view path);
  // `code`: the call's grpc::StatusCode (out of range counts as UNKNOWN).
  void Record(Method* method, int code, double seconds);

 private:
  Method* Add(std::string_view path);  // REQUIRES: mutex_ held, or construction.
  void CollectHandled(metrics::ComputedSamples& samples);

  metrics::Family<metrics::Histogram>& handling_;
  std::unordered_map<std::string_view, Method*> known_;  // Immutable after construction.
  std::mutex mutex_;
  std::unordered_map<std::string, Method*> others_;  // Guarded by mutex_.
  std::vector<std::unique_ptr<Method>> methods_;     // Guarded by mutex_ after construction.
};

}  // namespace kiln
