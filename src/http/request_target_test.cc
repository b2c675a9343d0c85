#include "http/request_target.h"

#include <gtest/gtest.h>

namespace kiln {
namespace {

TEST(RequestTargetTest, SplitsTheQueryAndDecodesThePath) {
  auto target = ParseRequestTarget("/team%2Fa/cas/ab?x=1%20");
  ASSERT_TRUE(target.ok());
  EXPECT_EQ(target->path, "/team/a/cas/ab");
  EXPECT_EQ(target->query, "x=1%20");
}

TEST(RequestTargetTest, RefusesWhatNoHandlerShouldSee) {
  EXPECT_FALSE(ParseRequestTarget("").ok());
  EXPECT_FALSE(ParseRequestTarget("http://host/x").ok());
  EXPECT_FALSE(ParseRequestTarget("/a%2").ok());
  EXPECT_FALSE(ParseRequestTarget("/a%zz").ok());
  EXPECT_FALSE(ParseRequestTarget("/a%00b").ok());
}

}  // namespace
}  // namespace kiln
