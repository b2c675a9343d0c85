// The limit policy: defaults, what platform properties may ask for, and how a bad request
// or a bad flag combination is reported.
#include "worker/action_limits.h"

#include <gtest/gtest.h>

namespace kiln {
namespace {

reapi::Platform PlatformOf(std::vector<std::pair<std::string, std::string>> properties) {
  reapi::Platform platform;
  for (auto& [name, value] : properties) {
    auto* property = platform.add_properties();
    property->set_name(name);
    property->set_value(value);
  }
  return platform;
}

TEST(ActionLimitsTest, WithoutPropertiesAnActionGetsTheDefaults) {
  const ActionLimitPolicy policy = DefaultActionLimitPolicy();
  auto limits = LimitsForAction(policy, PlatformOf({{"OSFamily", "linux"}}));
  ASSERT_TRUE(limits.ok()) << limits.status().ToString();
  EXPECT_EQ(*limits, policy.defaults);
  EXPECT_EQ(limits->max_processes, 1024);
  EXPECT_EQ(limits->max_memory_bytes, int64_t{8} << 30);
  EXPECT_TRUE(CheckActionLimitPolicy(policy).ok());
}

TEST(ActionLimitsTest, PropertiesAskForOtherValuesUpToTheMaximum) {
  const ActionLimitPolicy policy = DefaultActionLimitPolicy();
  auto limits = LimitsForAction(policy, PlatformOf({{"kiln:max-memory", "32G"}, {"kiln:max-processes", "100"},
                                                    {"kiln:max-output-bytes", "256G"}}));
  ASSERT_TRUE(limits.ok()) << limits.status().ToString();
  EXPECT_EQ(limits->max_memory_bytes, int64_t{32} << 30);
  EXPECT_EQ(limits->max_processes, 100);
  EXPECT_EQ(limits->max_output_bytes, int64_t{256} << 30);
  EXPECT_EQ(limits->max_log_bytes, policy.defaults.max_log_bytes);
}

TEST(ActionLimitsTest, AboveTheMaximumIsInvalidArgumentNamingIt) {
  auto limits = LimitsForAction(DefaultActionLimitPolicy(), PlatformOf({{"kiln:max-memory", "65G"}}));
  ASSERT_EQ(limits.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(limits.status().message(),
            "platform property kiln:max-memory=65G is above this server's maximum of 64G (--action-max-memory-limit)");
  // Unlimited is above any maximum.
  limits = LimitsForAction(DefaultActionLimitPolicy(), PlatformOf({{"kiln:max-processes", "0"}}));
  EXPECT_EQ(limits.status().code(), StatusCode::kInvalidArgument);
  // Without a maximum, anything goes.
  ActionLimitPolicy open;
  limits = LimitsForAction(open, PlatformOf({{"kiln:max-processes", "0"}, {"kiln:max-memory", "1T"}}));
  ASSERT_TRUE(limits.ok()) << limits.status().ToString();
  EXPECT_EQ(limits->max_memory_bytes, int64_t{1} << 40);
}

TEST(ActionLimitsTest, MalformedAndUnknownPropertiesAreInvalidArgument) {
  for (const auto& [name, value] : std::vector<std::pair<std::string, std::string>>{
           {"kiln:max-memory", "lots"}, {"kiln:max-processes", "-1"}, {"kiln:max-processes", "1K"},
           {"kiln:max-cpus", "2"}}) {
    auto limits = LimitsForAction(ActionLimitPolicy(), PlatformOf({{name, value}}));
    EXPECT_EQ(limits.status().code(), StatusCode::kInvalidArgument) << name << "=" << value;
    EXPECT_NE(limits.status().message().find(name), std::string::npos) << limits.status().message();
  }
}

TEST(ActionLimitsTest, OnlyKilnMaxPropertiesAreLimitRequests) {
  EXPECT_TRUE(IsActionLimitProperty("kiln:max-memory"));
  EXPECT_TRUE(IsActionLimitProperty("kiln:max-anything"));
  EXPECT_FALSE(IsActionLimitProperty("OSFamily"));
  EXPECT_FALSE(IsActionLimitProperty("max-memory"));
}

TEST(ActionLimitsTest, ADefaultAboveItsMaximumIsRefusedNamingBothFlags) {
  ActionLimitPolicy policy = DefaultActionLimitPolicy();
  policy.defaults.max_memory_bytes = int64_t{100} << 30;
  Status checked = CheckActionLimitPolicy(policy);
  EXPECT_EQ(checked.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(checked.message(), "--action-max-memory=100G is above --action-max-memory-limit=64G");
  policy = DefaultActionLimitPolicy();
  policy.defaults.max_processes = -1;
  EXPECT_EQ(CheckActionLimitPolicy(policy).code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace kiln
