// A monotonically increasing count (Prometheus "counter"): requests, bytes, evictions.
// Inc is one relaxed atomic add on this thread's shard (metric_shards.h): cheap enough for
// every RPC. Thread-safe.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>

#include "metrics/metric_shards.h"

namespace kiln::metrics {

class Counter {
 public:
  void Inc(uint64_t n = 1) { cells_[ThisThreadShard()].value.fetch_add(n, std::memory_order_relaxed); }
  // The sum of the shards: increments racing with it may or may not be counted.
  uint64_t Value() const {
    uint64_t total = 0;
    for (const Cell& cell : cells_) total += cell.value.load(std::memory_order_relaxed);
    return total;
  }

 private:
  struct alignas(64) Cell {
    std::atomic<uint64_t> value{0};
  };
  std::array<Cell, kMetricShards> cells_;
};

// A value that goes up and down (Prometheus "gauge"), set by the code that knows it. Most
// of kiln's gauges are read at scrape time instead (MetricRegistry::AddComputed), from
// state the subsystems keep anyway. Thread-safe.
class Gauge {
 public:
  void Set(double value) { value_.store(value, std::memory_order_relaxed); }
  void Add(double delta) { value_.fetch_add(delta, std::memory_order_relaxed); }
  double Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

}  // namespace kiln::metrics
