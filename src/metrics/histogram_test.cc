#include "metrics/histogram.h"

#include <gtest/gtest.h>

#include <cmath>
#include <thread>
#include <vector>

#include "metrics/counter.h"

namespace kiln::metrics {
namespace {

std::shared_ptr<const std::vector<double>> Bounds(std::vector<double> bounds) {
  return std::make_shared<const std::vector<double>>(std::move(bounds));
}

TEST(HistogramTest, ValueOnABoundCountsInThatBucket) {
  Histogram histogram(Bounds({1, 2, 5}));
  histogram.Observe(0.5);
  histogram.Observe(1);  // le="1": at most the bound.
  histogram.Observe(1.5);
  histogram.Observe(5);
  histogram.Observe(7);
  const Histogram::Snapshot read = histogram.Read();
  EXPECT_EQ(read.counts, (std::vector<uint64_t>{2, 1, 1, 1}));
  EXPECT_EQ(read.count, 5u);
  EXPECT_DOUBLE_EQ(read.sum, 15);
}

TEST(HistogramTest, NanCountsInInfinityAndLeavesTheSumAlone) {
  Histogram histogram(Bounds({1}));
  histogram.Observe(std::nan(""));
  histogram.Observe(0.25);
  const Histogram::Snapshot read = histogram.Read();
  EXPECT_EQ(read.counts, (std::vector<uint64_t>{1, 1}));
  EXPECT_DOUBLE_EQ(read.sum, 0.25);
}

TEST(HistogramTest, ObservationsFromManyThreadsAreAllCounted) {
  Histogram histogram(Bounds(LatencyBuckets()));
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&histogram] {
      for (int i = 0; i < 10'000; ++i) histogram.Observe(0.5);
    });
  }
  for (auto& thread : threads) thread.join();
  const Histogram::Snapshot read = histogram.Read();
  EXPECT_EQ(read.count, 80'000u);
  EXPECT_DOUBLE_EQ(read.sum, 40'000);
}

TEST(CounterTest, IncrementsFromManyThreadsAreAllCounted) {
  Counter counter;
  std::vector<std::thread> threads;
  for (int t = 0; t < 20; ++t) {  // More threads than shards: some share one.
    threads.emplace_back([&counter] {
      for (int i = 0; i < 10'000; ++i) counter.Inc();
    });
  }
  for (auto& thread : threads) thread.join();
  counter.Inc(5);
  EXPECT_EQ(counter.Value(), 200'005u);
}

}  // namespace
}  // namespace kiln::metrics
