// A distribution of observed values (Prometheus "histogram"): how many were at most each
// bucket bound, their sum and their count. Observe costs a binary search over the bounds,
// one relaxed atomic add to a bucket and one to the sum, on this thread's shard
// (metric_shards.h); the count is the buckets' total, so it costs nothing. Thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

namespace kiln::metrics {

// Bounds for durations in seconds, 100 us to 5 min: unary RPCs to whole actions.
std::vector<double> LatencyBuckets();
// Bounds for action phases in seconds, 1 ms to 1 h.
std::vector<double> ActionPhaseBuckets();

class Histogram {
 public:
  // REQUIRES: `bounds` finite and strictly increasing (MetricRegistry checks).
  explicit Histogram(std::shared_ptr<const std::vector<double>> bounds);

  // A value counts in the first bucket whose bound is >= it (Prometheus' "le"), or in the
  // +Inf bucket. NaN counts in +Inf and leaves the sum alone.
  void Observe(double value);

  struct Snapshot {
    std::vector<uint64_t> counts;  // Per bucket, NOT cumulative; the last one is +Inf.
    double sum = 0;
    uint64_t count = 0;
  };
  Snapshot Read() const;
  const std::vector<double>& bounds() const { return *bounds_; }

 private:
  struct alignas(64) Line {
    std::atomic<uint64_t> slots[8];
  };
  std::atomic<uint64_t>& Slot(size_t shard, size_t index) const {
    return lines_[shard * lines_per_shard_ + index / 8].slots[index % 8];
  }

  const std::shared_ptr<const std::vector<double>> bounds_;
  // Per shard: one slot per bucket (+Inf last), then the sum (a double's bits).
  const size_t sum_index_;
  const size_t lines_per_shard_;
  std::unique_ptr<Line[]> lines_;
};

}  // namespace kiln::metrics
