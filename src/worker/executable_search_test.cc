#include "worker/executable_search.h"

#include <gtest/gtest.h>

namespace kiln {
namespace {

using Environment = std::vector<std::pair<std::string, std::string>>;

TEST(ExecutableSearchTest, NamesWithASlashAreUsedAsGiven) {
  EXPECT_EQ(ExecutableCandidates("/bin/sh", {{"PATH", "/x"}}), std::vector<std::string>{"/bin/sh"});
  EXPECT_EQ(ExecutableCandidates("tools/gcc", {{"PATH", "/x"}}), std::vector<std::string>{"tools/gcc"});
}

TEST(ExecutableSearchTest, BareNamesAreSearchedInTheActionsPath) {
  EXPECT_EQ(ExecutableCandidates("cc", {{"HOME", "/h"}, {"PATH", "/a:/b/c"}}),
            (std::vector<std::string>{"/a/cc", "/b/c/cc"}));
}

TEST(ExecutableSearchTest, EmptyPathElementsMeanTheWorkingDirectory) {
  EXPECT_EQ(ExecutableCandidates("cc", {{"PATH", ":/a:"}}), (std::vector<std::string>{"./cc", "/a/cc", "./cc"}));
}

TEST(ExecutableSearchTest, WithoutPathTheDefaultIsUsed) {
  EXPECT_EQ(ExecutableCandidates("sh", {}), (std::vector<std::string>{"/usr/bin/sh", "/bin/sh"}));
}

TEST(ExecutableSearchTest, TheFirstPathDefinitionWins) {
  EXPECT_EQ(ExecutableCandidates("sh", {{"PATH", "/first"}, {"PATH", "/second"}}),
            std::vector<std::string>{"/first/sh"});
}

TEST(ExecutableSearchTest, EmptyNameHasNoCandidates) { EXPECT_TRUE(ExecutableCandidates("", {}).empty()); }

}  // namespace
}  // namespace kiln
