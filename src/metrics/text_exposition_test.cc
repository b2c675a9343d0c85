#include "metrics/text_exposition.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace kiln::metrics {
namespace {

TEST(TextExpositionTest, CounterAndGaugeWithHelpAndType) {
  MetricRegistry registry;
  registry.AddCounter("kiln_requests_total", "Requests served.", {"method", "code"})
      .WithLabels({"FindMissingBlobs", "OK"})
      .Inc(42);
  registry.AddGauge("kiln_queue_length", "Actions waiting.").Unlabelled().Set(2.5);
  EXPECT_EQ(RenderText(registry),
            "# HELP kiln_requests_total Requests served.\n"
            "# TYPE kiln_requests_total counter\n"
            "kiln_requests_total{method=\"FindMissingBlobs\",code=\"OK\"} 42\n"
            "# HELP kiln_queue_length Actions waiting.\n"
            "# TYPE kiln_queue_length gauge\n"
            "kiln_queue_length 2.5\n");
}

TEST(TextExpositionTest, HistogramBucketsAreCumulativeEndingInInfinityThenSumAndCount) {
  MetricRegistry registry;
  Histogram& latency =
      registry.AddHistogram("kiln_latency_seconds", "Latency.", {"method"}, {0.005, 0.1, 1}).WithLabels({"Get"});
  latency.Observe(0.001);
  latency.Observe(0.05);
  latency.Observe(0.07);
  latency.Observe(30);
  EXPECT_EQ(RenderText(registry),
            "# HELP kiln_latency_seconds Latency.\n"
            "# TYPE kiln_latency_seconds histogram\n"
            "kiln_latency_seconds_bucket{method=\"Get\",le=\"0.005\"} 1\n"
            "kiln_latency_seconds_bucket{method=\"Get\",le=\"0.1\"} 3\n"
            "kiln_latency_seconds_bucket{method=\"Get\",le=\"1\"} 3\n"
            "kiln_latency_seconds_bucket{method=\"Get\",le=\"+Inf\"} 4\n"
            "kiln_latency_seconds_sum{method=\"Get\"} 30.121\n"
            "kiln_latency_seconds_count{method=\"Get\"} 4\n");
}

TEST(TextExpositionTest, HistogramWithoutLabelsHasOnlyLe) {
  MetricRegistry registry;
  registry.AddHistogram("kiln_size_bytes", "Sizes.", {}, {10}).Unlabelled().Observe(3);
  EXPECT_EQ(RenderText(registry),
            "# HELP kiln_size_bytes Sizes.\n"
            "# TYPE kiln_size_bytes histogram\n"
            "kiln_size_bytes_bucket{le=\"10\"} 1\n"
            "kiln_size_bytes_bucket{le=\"+Inf\"} 1\n"
            "kiln_size_bytes_sum 3\n"
            "kiln_size_bytes_count 1\n");
}

TEST(TextExpositionTest, LabelValuesAndHelpAreEscaped) {
  MetricRegistry registry;
  registry.AddCounter("kiln_odd_total", "Back\\slash and\nnewline \"quoted\".", {"instance"})
      .WithLabels({"a\\b \"c\"\nd"})
      .Inc();
  EXPECT_EQ(RenderText(registry),
            "# HELP kiln_odd_total Back\\\\slash and\\nnewline \"quoted\".\n"
            "# TYPE kiln_odd_total counter\n"
            "kiln_odd_total{instance=\"a\\\\b \\\"c\\\"\\nd\"} 1\n");
}

TEST(TextExpositionTest, FamiliesWithoutSamplesAreLeftOut) {
  MetricRegistry registry;
  registry.AddCounter("kiln_unused_total", "Nothing counted yet.", {"kind"});
  EXPECT_EQ(RenderText(registry), "");
}

TEST(TextExpositionTest, NumbersAreSpelledAsTheFormatWants) {
  EXPECT_EQ(FormatValue(0), "0");
  EXPECT_EQ(FormatValue(12345678901), "12345678901");
  EXPECT_EQ(FormatValue(-3), "-3");
  EXPECT_EQ(FormatValue(0.25), "0.25");
  EXPECT_EQ(FormatValue(1e-4), "0.0001");
  EXPECT_EQ(FormatValue(30.121), "30.121");
  EXPECT_EQ(FormatValue(1e-9), "1e-09");
  EXPECT_EQ(FormatValue(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(FormatValue(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(FormatValue(std::nan("")), "NaN");
}

}  // namespace
}  // namespace kiln::metrics
