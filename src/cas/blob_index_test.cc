#include "cas/blob_index.h"

#include <gtest/gtest.h>

#include "common/hasher.h"

namespace kiln {
namespace {

Digest Blob(int n, int64_t size = 100) {
  return *Digest::Create(DigestFunction::kSha256, HashHex(DigestFunction::kSha256, std::to_string(n)), size);
}

TEST(BlobIndexTest, EvictsLeastRecentlyUsedFirst) {
  FakeClock clock;
  BlobIndex index(&clock, std::chrono::minutes(10));
  for (int i = 0; i < 5; ++i) index.Insert(Blob(i));
  EXPECT_EQ(index.total_bytes(), 500);
  EXPECT_TRUE(index.Touch(Blob(0), /*pin=*/false));  // 0 is now the most recent.
  auto evicted = index.EvictDownTo(300);
  ASSERT_EQ(evicted.size(), 2u);
  EXPECT_EQ(evicted[0], Blob(1));
  EXPECT_EQ(evicted[1], Blob(2));
  EXPECT_TRUE(index.Touch(Blob(0), false));
  EXPECT_FALSE(index.Touch(Blob(1), false));
  EXPECT_EQ(index.total_bytes(), 300);
}

TEST(BlobIndexTest, PinnedBlobsSurviveUntilTheGracePeriodEnds) {
  FakeClock clock;
  BlobIndex index(&clock, std::chrono::minutes(10));
  index.Insert(Blob(0));
  index.Insert(Blob(1));
  ASSERT_TRUE(index.Touch(Blob(0), /*pin=*/true));
  ASSERT_TRUE(index.Touch(Blob(1), /*pin=*/true));
  index.Insert(Blob(2));
  // Everything old is pinned: only the unpinned newcomer can go, and the budget is exceeded.
  auto evicted = index.EvictDownTo(100);
  ASSERT_EQ(evicted.size(), 1u);
  EXPECT_EQ(evicted[0], Blob(2));
  EXPECT_EQ(index.total_bytes(), 200);

  clock.Advance(std::chrono::minutes(11));
  evicted = index.EvictDownTo(100);
  EXPECT_EQ(evicted.size(), 1u);
  EXPECT_EQ(index.total_bytes(), 100);
}

TEST(BlobIndexTest, SizeIsPartOfTheKey) {
  FakeClock clock;
  BlobIndex index(&clock, std::chrono::minutes(1));
  index.Insert(Blob(7, 10));
  EXPECT_TRUE(index.Touch(Blob(7, 10), false));
  EXPECT_FALSE(index.Touch(Blob(7, 11), false));
}

TEST(BlobIndexTest, InsertTwiceCountsOnce) {
  FakeClock clock;
  BlobIndex index(&clock, std::chrono::minutes(1));
  index.Insert(Blob(1));
  index.Insert(Blob(1));
  EXPECT_EQ(index.blob_count(), 1u);
  EXPECT_EQ(index.total_bytes(), 100);
  index.Remove(Blob(1));
  EXPECT_EQ(index.total_bytes(), 0);
}

}  // namespace
}  // namespace kiln
