#include "cas/hint_list.h"

#include <gtest/gtest.h>

#include "common/hasher.h"

namespace kiln {
namespace {

BlobHint HintOf(const std::string& data, const std::string& owner) {
  return {ComputeDigest(DigestFunction::kSha256, data), owner};
}

TEST(MemoryHintListTest, ListsEachHintOnceUpToItsBoundAndHandsThemOverOnTake) {
  MemoryHintList list(2);
  EXPECT_TRUE(list.Add(HintOf("a", "node-1")));
  EXPECT_TRUE(list.Add(HintOf("a", "node-1")));  // Already listed.
  EXPECT_TRUE(list.Add(HintOf("a", "node-2")));  // Another owner: another hint.
  EXPECT_FALSE(list.Add(HintOf("b", "node-1")));  // Full.
  EXPECT_EQ(list.Size(), 2);
  std::vector<BlobHint> first = list.Take(1);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].owner, "node-1");
  EXPECT_EQ(list.Size(), 1);
  // Taken hints may come back (their owner was still down).
  EXPECT_TRUE(list.Add(first[0]));
  EXPECT_EQ(list.Take(10).size(), 2u);
  EXPECT_TRUE(list.Take(10).empty());
}

}  // namespace
}  // namespace kiln
