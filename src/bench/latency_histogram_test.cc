#include "bench/latency_histogram.h"

#include <gtest/gtest.h>

namespace kiln {
namespace {

using std::chrono::microseconds;
using std::chrono::nanoseconds;

// Bucket precision is 1/32 of the value's power of two: allow 4%.
void ExpectNear(Duration actual, Duration expected) {
  const double tolerance = 0.04 * static_cast<double>(expected.count());
  EXPECT_NEAR(static_cast<double>(actual.count()), static_cast<double>(expected.count()), tolerance)
      << "actual " << actual.count() << " ns, expected " << expected.count() << " ns";
}

TEST(LatencyHistogramTest, EmptyHistogramReportsZero) {
  LatencyHistogram histogram;
  EXPECT_EQ(histogram.count(), 0u);
  EXPECT_EQ(histogram.Percentile(0.5), Duration::zero());
  EXPECT_EQ(histogram.Percentile(0.99), Duration::zero());
}

TEST(LatencyHistogramTest, SmallValuesAreExact) {
  LatencyHistogram histogram;
  for (int i = 1; i <= 20; ++i) histogram.Record(nanoseconds(i));
  EXPECT_EQ(histogram.Percentile(0.5), nanoseconds(10));
  EXPECT_EQ(histogram.Percentile(1.0), nanoseconds(20));
  EXPECT_EQ(histogram.Percentile(0.01), nanoseconds(1));
}

TEST(LatencyHistogramTest, PercentilesOfAUniformSpreadAreWithinBucketPrecision) {
  LatencyHistogram histogram;
  for (int i = 1; i <= 10'000; ++i) histogram.Record(microseconds(i));
  EXPECT_EQ(histogram.count(), 10'000u);
  ExpectNear(histogram.Percentile(0.5), microseconds(5'000));
  ExpectNear(histogram.Percentile(0.9), microseconds(9'000));
  ExpectNear(histogram.Percentile(0.99), microseconds(9'900));
}

TEST(LatencyHistogramTest, TailIsNotHiddenByTheBulk) {
  LatencyHistogram histogram;
  for (int i = 0; i < 98; ++i) histogram.Record(microseconds(100));
  histogram.Record(std::chrono::seconds(2));
  histogram.Record(std::chrono::seconds(2));
  ExpectNear(histogram.Percentile(0.5), microseconds(100));
  ExpectNear(histogram.Percentile(0.98), microseconds(100));
  ExpectNear(histogram.Percentile(0.99), std::chrono::seconds(2));
}

TEST(LatencyHistogramTest, MergeAddsTheOtherDistribution) {
  LatencyHistogram fast;
  LatencyHistogram slow;
  for (int i = 0; i < 100; ++i) fast.Record(microseconds(10));
  for (int i = 0; i < 100; ++i) slow.Record(std::chrono::milliseconds(10));
  fast.Merge(slow);
  EXPECT_EQ(fast.count(), 200u);
  ExpectNear(fast.Percentile(0.5), microseconds(10));
  ExpectNear(fast.Percentile(0.51), std::chrono::milliseconds(10));
}

TEST(LatencyHistogramTest, ExtremesDoNotOverflow) {
  LatencyHistogram histogram;
  histogram.Record(nanoseconds(-5));  // A clock step backwards counts as zero.
  histogram.Record(nanoseconds(INT64_MAX));
  EXPECT_EQ(histogram.Percentile(0.5), Duration::zero());
  EXPECT_GT(histogram.Percentile(1.0), std::chrono::hours(24 * 365));
}

}  // namespace
}  // namespace kiln
