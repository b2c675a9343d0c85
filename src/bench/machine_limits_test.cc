#include "bench/machine_limits.h"

#include <gtest/gtest.h>

namespace kiln {
namespace {

constexpr Duration kShort = std::chrono::milliseconds(50);

TEST(MachineLimitsTest, Sha256HashesSomething) { EXPECT_GT(MeasureSha256MbPerSecond(kShort), 0); }

TEST(MachineLimitsTest, LoopbackTcpCopiesSomething) {
  auto rate = MeasureLoopbackTcpMbPerSecond(kShort);
  ASSERT_TRUE(rate.ok()) << rate.status().ToString();
  EXPECT_GT(*rate, 0);
}

TEST(MachineLimitsTest, ForkExecOfTrueTakesSomeTime) {
  auto p50 = MeasureForkExecP50("/bin/true", 5);
  ASSERT_TRUE(p50.ok()) << p50.status().ToString();
  EXPECT_GT(*p50, Duration::zero());
}

TEST(MachineLimitsTest, ForkExecReportsAProgramThatCannotStart) {
  auto p50 = MeasureForkExecP50("/nonexistent/kiln-bench-program", 1);
  ASSERT_FALSE(p50.ok());
  EXPECT_EQ(p50.status().code(), StatusCode::kInternal);
  EXPECT_NE(p50.status().message().find("/nonexistent/kiln-bench-program"), std::string::npos);
}

TEST(MachineLimitsTest, ForkExecReportsAFailingProgram) {
  auto p50 = MeasureForkExecP50("/bin/false", 1);
  ASSERT_FALSE(p50.ok());
  EXPECT_NE(p50.status().message().find("did not exit 0"), std::string::npos);
}

}  // namespace
}  // namespace kiln
