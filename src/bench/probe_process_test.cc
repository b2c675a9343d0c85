#include "bench/probe_process.h"

#include <gtest/gtest.h>

namespace kiln {
namespace {

TEST(ProbeProcessTest, SummaryTravelsThroughItsTextUnchanged) {
  ProbeSummary summary;
  summary.calls = 480;
  summary.failures = 2;
  summary.p50 = std::chrono::microseconds(2100);
  summary.p99 = std::chrono::milliseconds(27);
  summary.slowest = std::chrono::milliseconds(5001);
  summary.first_failure = "DEADLINE_EXCEEDED: Deadline Exceeded";
  auto parsed = ParseProbeSummary(FormatProbeSummary(summary));
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->calls, 480);
  EXPECT_EQ(parsed->failures, 2);
  EXPECT_EQ(parsed->p50, summary.p50);
  EXPECT_EQ(parsed->p99, summary.p99);
  EXPECT_EQ(parsed->slowest, summary.slowest);
  EXPECT_EQ(parsed->first_failure, summary.first_failure);
}

TEST(ProbeProcessTest, AFailureMessageOverSeveralLinesStaysOneLine) {
  ProbeSummary summary;
  summary.first_failure = "UNAVAILABLE: first\nsecond";
  auto parsed = ParseProbeSummary(FormatProbeSummary(summary));
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->first_failure, "UNAVAILABLE: first second");
  EXPECT_EQ(parsed->calls, 0);
}

TEST(ProbeProcessTest, IncompleteOrGarbledSummariesAreErrors) {
  EXPECT_FALSE(ParseProbeSummary("").ok());
  EXPECT_FALSE(ParseProbeSummary("12 0 5").ok());
  EXPECT_FALSE(ParseProbeSummary("12 0 5 6\n\n").ok());
  EXPECT_FALSE(ParseProbeSummary("a b c d e\n\n").ok());
}

TEST(ProbeProcessTest, SummarizeTakesPercentilesOfSucceededCalls) {
  ProbeResult result;
  for (int i = 1; i <= 100; ++i) result.latency.Record(std::chrono::milliseconds(i));
  result.calls = 101;
  result.failures = 1;
  result.slowest = std::chrono::milliseconds(100);
  const ProbeSummary summary = Summarize(result);
  EXPECT_EQ(summary.calls, 101);
  EXPECT_EQ(summary.failures, 1);
  const double p50_ms = std::chrono::duration<double, std::milli>(summary.p50).count();
  const double p99_ms = std::chrono::duration<double, std::milli>(summary.p99).count();
  EXPECT_NEAR(p50_ms, 50.0, 3.0);
  EXPECT_NEAR(p99_ms, 99.0, 5.0);
  EXPECT_EQ(summary.slowest, std::chrono::milliseconds(100));
}

}  // namespace
}  // namespace kiln
