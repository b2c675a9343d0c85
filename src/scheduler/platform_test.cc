#include "scheduler/platform.h"

#include <gtest/gtest.h>

#include "scheduler/scheduler_test_support.h"

namespace kiln {
namespace {

using testing_support::Props;

TEST(PlatformTest, SortsAndDropsExactDuplicates) {
  Platform platform({{"b", "2"}, {"a", "1"}, {"b", "2"}, {"b", "1"}});
  const std::vector<std::pair<std::string, std::string>> expected = {{"a", "1"}, {"b", "1"}, {"b", "2"}};
  EXPECT_EQ(platform.properties(), expected);
  EXPECT_EQ(platform.ToString(), "a=1,b=1,b=2");
  EXPECT_EQ(platform, Props({{"b", "1"}, {"b", "2"}, {"a", "1"}}));
}

TEST(PlatformTest, EmptyRequirementRunsAnywhere) {
  EXPECT_TRUE(Platform().Satisfies(Platform()));
  EXPECT_TRUE(Props({{"OSFamily", "linux"}}).Satisfies(Platform()));
  EXPECT_TRUE(Platform().empty());
  EXPECT_EQ(Platform().ToString(), "");
}

TEST(PlatformTest, EveryRequiredPropertyMustBeOfferedWithExactlyThatValue) {
  const Platform worker({{"OSFamily", "linux"}, {"ISA", "x86-64"}, {"pool", "big"}});
  EXPECT_TRUE(worker.Satisfies(Props({{"OSFamily", "linux"}})));
  EXPECT_TRUE(worker.Satisfies(Props({{"OSFamily", "linux"}, {"pool", "big"}})));
  EXPECT_FALSE(worker.Satisfies(Props({{"OSFamily", "windows"}})));
  EXPECT_FALSE(worker.Satisfies(Props({{"OSFamily", "Linux"}})));  // Values are case-sensitive.
  EXPECT_FALSE(worker.Satisfies(Props({{"osfamily", "linux"}})));  // So are names.
  EXPECT_FALSE(worker.Satisfies(Props({{"OSFamily", "linux"}, {"gpu", "1"}})));
  // Matching is one way: an action asking for less than a worker offers is fine, not vice versa.
  EXPECT_FALSE(Props({{"OSFamily", "linux"}}).Satisfies(worker));
}

TEST(PlatformTest, WorkerMayOfferSeveralValuesForOneName) {
  const Platform worker({{"container-image", "a"}, {"container-image", "b"}});
  EXPECT_TRUE(worker.Satisfies(Props({{"container-image", "a"}})));
  EXPECT_TRUE(worker.Satisfies(Props({{"container-image", "b"}})));
  EXPECT_FALSE(worker.Satisfies(Props({{"container-image", "c"}})));
}

TEST(PlatformTest, HostDefaultIsLinuxWithTheHostIsa) {
  const Platform host = HostDefaultPlatform();
  EXPECT_TRUE(host.Satisfies(Props({{"OSFamily", "linux"}})));
#if defined(__x86_64__)
  EXPECT_TRUE(host.Satisfies(Props({{"ISA", "x86-64"}})));
#elif defined(__aarch64__)
  EXPECT_TRUE(host.Satisfies(Props({{"ISA", "aarch64"}})));
#endif
  EXPECT_EQ(host.properties().size(), 2u);
}

TEST(PlatformTest, ParsesKeyEqualsValue) {
  auto parsed = ParsePlatformProperty("OSFamily=linux");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->first, "OSFamily");
  EXPECT_EQ(parsed->second, "linux");

  // Only the first '=' separates; the value may contain more, or be empty.
  parsed = ParsePlatformProperty("flags=a=b");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->first, "flags");
  EXPECT_EQ(parsed->second, "a=b");
  parsed = ParsePlatformProperty("empty=");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->second, "");
}

TEST(PlatformTest, ParsesRepeatedFlagValuesInOrderAndStopsAtTheFirstBadOne) {
  std::vector<std::pair<std::string, std::string>> properties = {{"kept", "1"}};
  ASSERT_TRUE(ParsePlatformProperties({"a=1", "b=2"}, properties).ok());
  EXPECT_EQ(properties, (std::vector<std::pair<std::string, std::string>>{{"kept", "1"}, {"a", "1"}, {"b", "2"}}));

  properties.clear();
  Status parsed = ParsePlatformProperties({"a=1", "novalue", "b=2"}, properties);
  EXPECT_EQ(parsed.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(parsed.message().find("novalue"), std::string::npos) << parsed.message();
  EXPECT_EQ(properties.size(), 1u);
}

TEST(PlatformTest, RejectsPropertiesWithoutEqualsOrName) {
  for (const char* text : {"OSFamily", "", "=linux"}) {
    auto parsed = ParsePlatformProperty(text);
    ASSERT_FALSE(parsed.ok()) << text;
    EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument) << text;
  }
}

}  // namespace
}  // namespace kiln
