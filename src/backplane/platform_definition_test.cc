#include "backplane/platform_definition.h"

#include <gtest/gtest.h>

namespace kiln {
namespace {

Platform Props(std::vector<std::pair<std::string, std::string>> properties) { return Platform(std::move(properties)); }

TEST(PlatformDefinitionTest, OneSortedLinePerProperty) {
  EXPECT_EQ(PlatformDefinition(Props({{"ISA", "x86-64"}, {"OSFamily", "linux"}})), "ISA=x86-64\nOSFamily=linux\n");
  EXPECT_EQ(PlatformDefinition(Platform()), "");
}

TEST(PlatformDefinitionTest, DifferentPropertiesNeverShareALine) {
  // Unescaped, both would read "a=b=c".
  EXPECT_NE(PlatformDefinition(Props({{"a=b", "c"}})), PlatformDefinition(Props({{"a", "b=c"}})));
  // Unescaped, one property with a newline would read as two.
  EXPECT_NE(PlatformDefinition(Props({{"a", "1\nb=2"}})), PlatformDefinition(Props({{"a", "1"}, {"b", "2"}})));
  EXPECT_EQ(PlatformDefinition(Props({{"a\\", "x\ny"}})), "a\\\\=x\\ny\n");
}

TEST(PlatformDefinitionTest, ParsesBackWhatItMade) {
  for (const Platform& platform : {Props({{"ISA", "x86-64"}, {"OSFamily", "linux"}}), Platform(),
                                   Props({{"a=b", "c=d"}}), Props({{"a\\", "x\ny"}, {"b", ""}})}) {
    EXPECT_EQ(ParsePlatformDefinition(PlatformDefinition(platform)), platform) << platform.ToString();
  }
}

}  // namespace
}  // namespace kiln
