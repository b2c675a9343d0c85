#include "metrics/process_metrics.h"

#include <gtest/gtest.h>

#include "metrics/text_exposition.h"

namespace kiln::metrics {
namespace {

TEST(ProcessMetricsTest, ParsesProcStatPastACommandWithSpacesAndParentheses) {
  // Fields 1-24 of proc(5): utime 14, stime 15, num_threads 20, starttime 22, vsize 23, rss 24.
  const std::string stat =
      "1234 (kiln (x) y) S 1 1234 1234 0 -1 4194560 100 0 0 0 250 150 0 0 20 0 7 0 5000 104857600 300 "
      "18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n";
  auto stats = ParseProcStat(stat, 100, 4096, 1'700'000'000);
  ASSERT_TRUE(stats.has_value());
  EXPECT_DOUBLE_EQ(stats->cpu_seconds, 4.0);
  EXPECT_EQ(stats->threads, 7);
  EXPECT_DOUBLE_EQ(stats->start_time_seconds, 1'700'000'050);
  EXPECT_EQ(stats->virtual_bytes, 104857600);
  EXPECT_EQ(stats->resident_bytes, 300 * 4096);
  EXPECT_FALSE(ParseProcStat("1234 (kiln) S 1 2", 100, 4096, 0).has_value());
}

TEST(ProcessMetricsTest, ThisProcessReportsPlausibleValues) {
  MetricRegistry registry;
  AddProcessMetrics(registry);
  double rss = 0, fds = 0, threads = 0;
  for (const FamilySnapshot& family : registry.Collect()) {
    ASSERT_EQ(family.samples.size(), 1u) << family.name;
    if (family.name == "process_resident_memory_bytes") rss = family.samples[0].value;
    if (family.name == "process_open_fds") fds = family.samples[0].value;
    if (family.name == "process_threads") threads = family.samples[0].value;
  }
  EXPECT_GT(rss, 1 << 20);
  EXPECT_GE(fds, 3);  // stdin, stdout, stderr at least.
  EXPECT_GE(threads, 1);
}

}  // namespace
}  // namespace kiln::metrics
