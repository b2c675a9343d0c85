// The latency distribution of one benchmark scenario. Log-linear buckets (32 per power of
// two) keep any percentile within about 3% of the true value in fixed memory (15 KiB),
// whatever the range, so recording stays cheap on the completion path and histograms of
// several runs can be merged.
#pragma once

#include <array>
#include <cstdint>

#include "common/clock.h"

namespace kiln {

class LatencyHistogram {
 public:
  void Record(Duration latency);
  void Merge(const LatencyHistogram& other);

  uint64_t count() const { return count_; }
  // The latency that `fraction` (0..1] of the recorded values do not exceed, to bucket
  // precision; zero when nothing was recorded.
  Duration Percentile(double fraction) const;

 private:
  static constexpr int kSubBucketBits = 5;
  static constexpr uint64_t kSubBuckets = uint64_t{1} << kSubBucketBits;
  // Values below kSubBuckets have a bucket each; above, 32 buckets per power of two.
  static constexpr size_t kBucketCount = (64 - kSubBucketBits + 1) * kSubBuckets;

  static size_t BucketOf(uint64_t nanos);
  // The middle of the bucket's range, in nanoseconds.
  static uint64_t BucketMidpoint(size_t bucket);

  std::array<uint64_t, kBucketCount> counts_{};
  uint64_t count_ = 0;
};

}  // namespace kiln
