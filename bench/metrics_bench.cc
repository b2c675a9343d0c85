// What the metrics add to one RPC on the server, outside gRPC's own interceptor machinery
// (which CallTracker's interceptor paid for already): finding the method's slot, two
// clock reads and one histogram observation (server/rpc_metrics.h), on one thread and on
// two at once (shards keep them off each other's cache lines). Plus the primitives.
#include <benchmark/benchmark.h>

#include <chrono>

#include "metrics/metric_registry.h"
#include "server/rpc_methods.h"
#include "server/rpc_metrics.h"

namespace kiln {
namespace {

void BM_RpcMetricsPerCall(benchmark::State& state) {
  static metrics::MetricRegistry* registry = new metrics::MetricRegistry;
  static RpcMetrics* rpc = new RpcMetrics(*registry);
  for (auto _ : state) {
    RpcMetrics::Method* method = rpc->Find(rpc::kGetActionResult);
    const auto start = std::chrono::steady_clock::now();
    const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
    rpc->Record(method, 0, elapsed.count());
  }
}
BENCHMARK(BM_RpcMetricsPerCall)->Threads(1)->Threads(2);

void BM_CounterInc(benchmark::State& state) {
  static metrics::Counter* counter = new metrics::Counter;
  for (auto _ : state) counter->Inc();
}
BENCHMARK(BM_CounterInc)->Threads(1)->Threads(2);

void BM_HistogramObserve(benchmark::State& state) {
  static metrics::Histogram* histogram =
      new metrics::Histogram(std::make_shared<const std::vector<double>>(metrics::LatencyBuckets()));
  double value = 0.0003;
  for (auto _ : state) histogram->Observe(value);
}
BENCHMARK(BM_HistogramObserve)->Threads(1)->Threads(2);

}  // namespace
}  // namespace kiln
