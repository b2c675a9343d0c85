#include "bench/latency_histogram.h"

#include <bit>
#include <cmath>

namespace kiln {

size_t LatencyHistogram::BucketOf(uint64_t nanos) {
  if (nanos < kSubBuckets) return static_cast<size_t>(nanos);
  const int exponent = 63 - std::countl_zero(nanos);  // >= kSubBucketBits
  const uint64_t sub = (nanos >> (exponent - kSubBucketBits)) & (kSubBuckets - 1);
  return static_cast<size_t>((exponent - kSubBucketBits + 1) * kSubBuckets + sub);
}

uint64_t LatencyHistogram::BucketMidpoint(size_t bucket) {
  if (bucket < kSubBuckets) return bucket;
  const int exponent = static_cast<int>(bucket / kSubBuckets) + kSubBucketBits - 1;
  const uint64_t sub = bucket % kSubBuckets;
  const int shift = exponent - kSubBucketBits;
  const uint64_t lower = (kSubBuckets + sub) << shift;
  return lower + ((uint64_t{1} << shift) >> 1);
}

void LatencyHistogram::Record(Duration latency) {
  const int64_t nanos = latency.count();
  ++counts_[BucketOf(nanos < 0 ? 0 : static_cast<uint64_t>(nanos))];
  ++count_;
}

void LatencyHistogram::Merge(const LatencyHistogram& other) {
  for (size_t i = 0; i < kBucketCount; ++i) counts_[i] += other.counts_[i];
  count_ += other.count_;
}

Duration LatencyHistogram::Percentile(double fraction) const {
  if (count_ == 0) return Duration::zero();
  const double clamped = fraction <= 0 ? 0 : (fraction > 1 ? 1 : fraction);
  uint64_t rank = static_cast<uint64_t>(std::ceil(clamped * static_cast<double>(count_)));
  if (rank == 0) rank = 1;
  uint64_t seen = 0;
  for (size_t i = 0; i < kBucketCount; ++i) {
    seen += counts_[i];
    if (seen >= rank) return Duration(static_cast<int64_t>(BucketMidpoint(i)));
  }
  return Duration(static_cast<int64_t>(BucketMidpoint(kBucketCount - 1)));
}

}  // namespace kiln
