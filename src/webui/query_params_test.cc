#include "webui/query_params.h"

#include <gtest/gtest.h>

namespace kiln {
namespace {

TEST(QueryParamsTest, DecodesFormEncoding) {
  const QueryParams params = QueryParams::Parse("instance=team%2Fa&q=a+b&flag&x=1&x=2&bad=%zz");
  EXPECT_EQ(params.Get("instance"), "team/a");
  EXPECT_EQ(params.Get("q"), "a b");
  EXPECT_EQ(params.Get("flag"), "");
  EXPECT_EQ(params.Get("x"), "2");
  EXPECT_EQ(params.Get("bad"), "%zz");
  EXPECT_EQ(params.Get("missing"), std::nullopt);
  EXPECT_EQ(params.GetOr("missing", "d"), "d");
}

TEST(QueryParamsTest, IntegersAreCheckedAndEmptyMeansAbsent) {
  const QueryParams params = QueryParams::Parse("a=-3&b=&c=12x");
  EXPECT_EQ(*params.GetInt("a"), std::optional<int64_t>(-3));
  EXPECT_EQ(*params.GetInt("b"), std::nullopt);
  EXPECT_EQ(*params.GetInt("none"), std::nullopt);
  EXPECT_EQ(params.GetInt("c").status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace kiln
