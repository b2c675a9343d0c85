#include "bench/scenario_catalog.h"

#include <gtest/gtest.h>

namespace kiln {
namespace {

TEST(ScenarioCatalogTest, EmptyListMeansEveryScenario) {
  auto names = ParseScenarioList("");
  ASSERT_TRUE(names.ok());
  EXPECT_EQ(*names, AllScenarioNames());
  EXPECT_GE(names->size(), 11u);
}

TEST(ScenarioCatalogTest, ParsesACommaSeparatedList) {
  auto names = ParseScenarioList("batch_read,execute_cached");
  ASSERT_TRUE(names.ok());
  EXPECT_EQ(*names, (std::vector<std::string>{"batch_read", "execute_cached"}));
}

TEST(ScenarioCatalogTest, UnknownScenarioIsNamedInTheError) {
  auto names = ParseScenarioList("batch_read,batch_bogus");
  ASSERT_FALSE(names.ok());
  EXPECT_EQ(names.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(names.status().message().find("\"batch_bogus\""), std::string::npos);
  EXPECT_NE(names.status().message().find("find_missing_present"), std::string::npos);
}

TEST(ScenarioCatalogTest, OnlyCommasIsAnError) { EXPECT_FALSE(ParseScenarioList(",,").ok()); }

TEST(ScenarioCatalogTest, EveryNameMakesAScenarioOfThatName) {
  BenchTarget target(*ClientChannelFactory::Create({.target = "127.0.0.1:1"}), "", 1);  // Never connected: scenarios are only built.
  for (const std::string& name : AllScenarioNames()) {
    auto scenario = NewScenario(name, &target);
    ASSERT_NE(scenario, nullptr) << name;
    EXPECT_EQ(scenario->info().name, name);
    EXPECT_FALSE(scenario->info().description.empty()) << name;
  }
}

}  // namespace
}  // namespace kiln
