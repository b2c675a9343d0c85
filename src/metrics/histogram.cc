#include "metrics/histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

#include "metrics/metric_shards.h"

namespace kiln::metrics {

size_t NextMetricShard() {
  static std::atomic<size_t> next{0};
  return next.fetch_add(1, std::memory_order_relaxed) % kMetricShards;
}

std::vector<double> LatencyBuckets() {
  return {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
          0.25,   0.5,     1,      2.5,   5,      10,    30,   60,    300};
}

std::vector<double> ActionPhaseBuckets() {
  return {0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600};
}

Histogram::Histogram(std::shared_ptr<const std::vector<double>> bounds)
    : bounds_(std::move(bounds)),
      sum_index_(bounds_->size() + 1),
      lines_per_shard_((sum_index_ + 1 + 7) / 8),
      lines_(new Line[kMetricShards * lines_per_shard_]) {
  for (size_t i = 0; i < kMetricShards * lines_per_shard_; ++i) {
    for (auto& slot : lines_[i].slots) slot.store(0, std::memory_order_relaxed);
  }
}

void Histogram::Observe(double value) {
  const size_t shard = ThisThreadShard();
  if (std::isnan(value)) {
    Slot(shard, bounds_->size()).fetch_add(1, std::memory_order_relaxed);
    return;
  }
  const size_t bucket = std::lower_bound(bounds_->begin(), bounds_->end(), value) - bounds_->begin();
  Slot(shard, bucket).fetch_add(1, std::memory_order_relaxed);
  // No atomic add for doubles in hardware: a compare-and-swap loop, which on this thread's
  // own shard almost never goes round twice.
  std::atomic<uint64_t>& sum = Slot(shard, sum_index_);
  uint64_t old_bits = sum.load(std::memory_order_relaxed);
  while (!sum.compare_exchange_weak(old_bits, std::bit_cast<uint64_t>(std::bit_cast<double>(old_bits) + value),
                                    std::memory_order_relaxed)) {
  }
}

Histogram::Snapshot Histogram::Read() const {
  Snapshot snapshot;
  snapshot.counts.assign(bounds_->size() + 1, 0);
  for (size_t shard = 0; shard < kMetricShards; ++shard) {
    for (size_t bucket = 0; bucket < snapshot.counts.size(); ++bucket) {
      snapshot.counts[bucket] += Slot(shard, bucket).load(std::memory_order_relaxed);
    }
    snapshot.sum += std::bit_cast<double>(Slot(shard, sum_index_).load(std::memory_order_relaxed));
  }
  for (uint64_t count : snapshot.counts) snapshot.count += count;
  return snapshot;
}

}  // namespace kiln::metrics
