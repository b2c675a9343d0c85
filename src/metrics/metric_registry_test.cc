#include "metrics/metric_registry.h"

#include <gtest/gtest.h>

namespace kiln::metrics {
namespace {

TEST(MetricRegistryTest, CollectsFamiliesInTheOrderAddedWithChildrenSorted) {
  MetricRegistry registry;
  Family<Counter>& requests = registry.AddCounter("kiln_requests_total", "Requests.", {"method"});
  registry.AddGauge("kiln_queue_length", "Queued.").Unlabelled().Set(3);
  requests.WithLabels({"b"}).Inc(2);
  requests.WithLabels({"a"}).Inc();
  const std::vector<FamilySnapshot> families = registry.Collect();
  ASSERT_EQ(families.size(), 2u);
  EXPECT_EQ(families[0].name, "kiln_requests_total");
  EXPECT_EQ(families[0].type, MetricType::kCounter);
  ASSERT_EQ(families[0].samples.size(), 2u);
  EXPECT_EQ(families[0].samples[0].label_values, std::vector<std::string>{"a"});
  EXPECT_EQ(families[0].samples[0].value, 1);
  EXPECT_EQ(families[0].samples[1].value, 2);
  EXPECT_EQ(families[1].samples.at(0).value, 3);
}

TEST(MetricRegistryTest, TheSameLabelsGiveTheSameChild) {
  MetricRegistry registry;
  Family<Counter>& family = registry.AddCounter("kiln_things_total", "Things.", {"kind", "size"});
  Counter& first = family.WithLabels({"x", "small"});
  EXPECT_EQ(&first, &family.WithLabels({"x", "small"}));
  EXPECT_NE(&first, &family.WithLabels({"x", "large"}));
}

TEST(MetricRegistryTest, AFamilyWithoutLabelsShowsZeroBeforeItsFirstUse) {
  MetricRegistry registry;
  registry.AddCounter("kiln_evictions_total", "Evictions.");
  registry.AddCounter("kiln_labelled_total", "Nothing yet.", {"kind"});
  const std::vector<FamilySnapshot> families = registry.Collect();
  ASSERT_EQ(families[0].samples.size(), 1u);
  EXPECT_EQ(families[0].samples[0].value, 0);
  EXPECT_TRUE(families[1].samples.empty());
}

TEST(MetricRegistryTest, ComputedFamiliesAreReadAtEveryScrape) {
  MetricRegistry registry;
  int queued = 1;
  registry.AddComputed(MetricType::kGauge, "kiln_queued_actions", "Queued.", {"platform"},
                       [&queued](ComputedSamples& samples) {
                         samples.Add({"z"}, queued);
                         samples.Add({"a"}, 2 * queued);
                       });
  EXPECT_EQ(registry.Collect()[0].samples[1].value, 1);
  queued = 5;
  const FamilySnapshot family = registry.Collect()[0];
  EXPECT_EQ(family.samples[0].label_values, std::vector<std::string>{"a"});  // Sorted.
  EXPECT_EQ(family.samples[0].value, 10);
  EXPECT_EQ(family.samples[1].value, 5);
}

TEST(MetricRegistryTest, HistogramFamiliesCarryTheirBounds) {
  MetricRegistry registry;
  Family<Histogram>& family = registry.AddHistogram("kiln_latency_seconds", "Latency.", {"method"}, {0.1, 1});
  family.WithLabels({"Get"}).Observe(0.5);
  const FamilySnapshot snapshot = registry.Collect()[0];
  EXPECT_EQ(snapshot.bounds, (std::vector<double>{0.1, 1}));
  EXPECT_EQ(snapshot.samples.at(0).bucket_counts, (std::vector<uint64_t>{0, 1, 0}));
  EXPECT_EQ(snapshot.samples.at(0).count, 1u);
}

TEST(MetricRegistryTest, NamesFollowPrometheusRules) {
  EXPECT_TRUE(IsValidMetricName("kiln_cas_bytes"));
  EXPECT_TRUE(IsValidMetricName("a:b_c9"));
  EXPECT_FALSE(IsValidMetricName("9lives"));
  EXPECT_FALSE(IsValidMetricName("kiln-cas"));
  EXPECT_FALSE(IsValidMetricName(""));
  EXPECT_TRUE(IsValidLabelName("grpc_method"));
  EXPECT_FALSE(IsValidLabelName("__name__"));
  EXPECT_FALSE(IsValidLabelName("a:b"));
}

TEST(MetricRegistryDeathTest, MisuseAborts) {
  EXPECT_DEATH(MetricRegistry().AddCounter("kiln_requests", "A counter without _total."), "_total");
  EXPECT_DEATH(MetricRegistry().AddGauge("kiln_open_total", "A gauge with _total."), "_total");
  EXPECT_DEATH(MetricRegistry().AddGauge("kiln_no_help", ""), "help");
  EXPECT_DEATH(MetricRegistry().AddHistogram("kiln_h_seconds", "Bad bounds.", {}, {1, 1}), "increasing");
  EXPECT_DEATH(MetricRegistry().AddHistogram("kiln_h_seconds", "le taken.", {"le"}, {1}), "le");
  EXPECT_DEATH(
      {
        MetricRegistry registry;
        registry.AddGauge("kiln_twice", "Once.");
        registry.AddGauge("kiln_twice", "Twice.");
      },
      "twice");
}

}  // namespace
}  // namespace kiln::metrics
