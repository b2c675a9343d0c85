#include "server/rpc_metrics.h"

#include "common/status.h"
#include "server/rpc_methods.h"

namespace kiln {

constexpr int kCodes = 17;  // OK .. UNAUTHENTICATED.

class RpcMetrics::Method {
 public:
  Method(std::string service, std::string name) : service(std::move(service)), name(std::move(name)) {}
  const std::string service;  // "build.bazel.remote.execution.v2.ActionCache"
  const std::string name;     // "GetActionResult"
  std::array<std::atomic<metrics::Histogram*>, kCodes> by_code{};
};

RpcMetrics::RpcMetrics(metrics::MetricRegistry& registry)
    : handling_(registry.AddHistogram("kiln_grpc_server_handling_seconds",
                                      "Time from a gRPC call's start until the server sent its status, in seconds.",
                                      {"grpc_service", "grpc_method", "grpc_code"}, metrics::LatencyBuckets())) {
  registry.AddComputed(metrics::MetricType::kCounter, "kiln_grpc_server_handled_total",
                       "gRPC calls finished by the server, by status code.",
                       {"grpc_service", "grpc_method", "grpc_code"},
                       [this](metrics::ComputedSamples& samples) { CollectHandled(samples); });
  for (const char* path : rpc::kAll) known_.emplace(path, Add(path));
}

RpcMetrics::~RpcMetrics() = default;

RpcMetrics::Method* RpcMetrics::Add(std::string_view path) {
  std::string_view rest = path.substr(path.starts_with('/') ? 1 : 0);
  const size_t slash = rest.find('/');
  std::string service(slash == std::string_view::npos ? "unknown" : rest.substr(0, slash));
  std::string name(slash == std::string_view::npos ? rest : rest.substr(slash + 1));
  methods_.push_back(std::make_unique<Method>(std::move(service), std::move(name)));
  return methods_.back().get();
}

RpcMetrics::Method* RpcMetrics::Find(std::string_view path) {
  if (auto it = known_.find(path); it != known_.end()) return it->second;
  std::lock_guard lock(mutex_);
  auto [it, inserted] = others_.try_emplace(std::string(path), nullptr);
  if (inserted) it->second = Add(path);
  return it->second;
}

void RpcMetrics::Record(Method* method, int code, double seconds) {
  if (code < 0 || code >= kCodes) code = static_cast<int>(StatusCode::kUnknown);
  std::atomic<metrics::Histogram*>& slot = method->by_code[static_cast<size_t>(code)];
  metrics::Histogram* histogram = slot.load(std::memory_order_acquire);
  if (histogram == nullptr) [[unlikely]] {
    // Racing threads get the same child from the family; either may store it.
    histogram = &handling_.WithLabels(
        {method->service, method->name, std::string(StatusCodeName(static_cast<StatusCode>(code)))});
    slot.store(histogram, std::memory_order_release);
  }
  histogram->Observe(seconds);
}

void RpcMetrics::CollectHandled(metrics::ComputedSamples& samples) {
  std::lock_guard lock(mutex_);
  for (const auto& method : methods_) {
    for (int code = 0; code < kCodes; ++code) {
      const metrics::Histogram* histogram = method->by_code[static_cast<size_t>(code)].load(std::memory_order_acquire);
      if (histogram == nullptr) continue;
      samples.Add({method->service, method->name, std::string(StatusCodeName(static_cast<StatusCode>(code)))},
                  static_cast<double>(histogram->Read().count));
    }
  }
}

}  // namespace kiln
