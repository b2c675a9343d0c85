#include "scheduler/operation_owners.h"

#include <gtest/gtest.h>

namespace kiln {
namespace {

TEST(OperationOwnersTest, HoldsEachNameOnce) {
  OperationOwners owners;
  EXPECT_FALSE(owners.Contains("ci"));
  owners.Add("ci");
  owners.Add("dev");
  owners.Add("ci");
  EXPECT_TRUE(owners.Contains("ci"));
  EXPECT_TRUE(owners.Contains("dev"));
  EXPECT_FALSE(owners.Contains("other"));
  EXPECT_FALSE(owners.Contains(""));
  EXPECT_EQ(owners.size(), 2u);
}

TEST(OperationOwnersTest, BeyondTheBoundTheLeastRecentlyJoinedIsForgotten) {
  OperationOwners owners;
  owners.Add("creator");
  owners.Add("early");
  for (size_t i = 0; i < OperationOwners::kMaxOwners - 2; ++i) owners.Add("joiner" + std::to_string(i));
  EXPECT_EQ(owners.size(), OperationOwners::kMaxOwners);
  owners.Add("creator");  // Joins again: now the most recent.
  owners.Add("late");
  EXPECT_EQ(owners.size(), OperationOwners::kMaxOwners);
  EXPECT_FALSE(owners.Contains("early"));
  EXPECT_TRUE(owners.Contains("creator"));
  EXPECT_TRUE(owners.Contains("late"));
  EXPECT_TRUE(owners.Contains("joiner0"));
}

}  // namespace
}  // namespace kiln
