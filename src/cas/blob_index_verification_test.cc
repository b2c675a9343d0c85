// The verification stamps the index keeps per blob, and the slot walk the scrubber uses.
#include <gtest/gtest.h>

#include <set>

#include "cas/blob_index.h"
#include "common/hasher.h"

namespace kiln {
namespace {

Digest Blob(int n, int64_t size = 100) {
  return *Digest::Create(DigestFunction::kSha256, HashHex(DigestFunction::kSha256, std::to_string(n)), size);
}

TEST(BlobIndexVerificationTest, StampIsKeptPerBlobAndZeroMeansUnverified) {
  FakeClock clock;
  BlobIndex index(&clock, std::chrono::minutes(10));
  index.Insert(Blob(0));
  index.Insert(Blob(1), 42);
  EXPECT_EQ(index.TouchForRead(Blob(0)), std::optional<uint64_t>(0));
  EXPECT_EQ(index.TouchForRead(Blob(1)), std::optional<uint64_t>(42));
  EXPECT_EQ(index.TouchForRead(Blob(2)), std::nullopt);
  EXPECT_TRUE(index.SetVerified(Blob(0), 7));
  EXPECT_FALSE(index.SetVerified(Blob(2), 7));
  EXPECT_EQ(index.TouchForRead(Blob(0)), std::optional<uint64_t>(7));
  index.Insert(Blob(1), 0);  // Published again: the new file's stamp replaces the old.
  EXPECT_EQ(index.TouchForRead(Blob(1)), std::optional<uint64_t>(0));
}

TEST(BlobIndexVerificationTest, ReusedSlotStartsUnverified) {
  FakeClock clock;
  BlobIndex index(&clock, std::chrono::minutes(10));
  index.Insert(Blob(0), 99);
  index.Remove(Blob(0));
  index.Insert(Blob(1));
  EXPECT_EQ(index.TouchForRead(Blob(1)), std::optional<uint64_t>(0));
}

TEST(BlobIndexVerificationTest, TouchForReadMakesTheBlobMostRecent) {
  FakeClock clock;
  BlobIndex index(&clock, std::chrono::minutes(10));
  index.Insert(Blob(0));
  index.Insert(Blob(1));
  ASSERT_TRUE(index.TouchForRead(Blob(0)).has_value());
  EXPECT_EQ(index.EvictDownTo(100), std::vector<Digest>{Blob(1)});
}

TEST(BlobIndexVerificationTest, SlotWalkSkipsFreeSlots) {
  FakeClock clock;
  BlobIndex index(&clock, std::chrono::minutes(10));
  for (int i = 0; i < 6; ++i) index.Insert(Blob(i));
  index.Remove(Blob(2));
  index.Remove(Blob(4));
  std::set<std::string> walked;
  for (uint32_t id = 0; id < index.slot_capacity(); ++id) {
    if (auto digest = index.DigestInSlot(id)) walked.insert(digest->ToString());
  }
  EXPECT_EQ(walked, (std::set<std::string>{Blob(0).ToString(), Blob(1).ToString(), Blob(3).ToString(),
                                           Blob(5).ToString()}));
  EXPECT_FALSE(index.DigestInSlot(static_cast<uint32_t>(index.slot_capacity())).has_value());
}

TEST(BlobIndexVerificationTest, ShrinkKeepsStamps) {
  FakeClock clock;
  BlobIndex index(&clock, std::chrono::minutes(10));
  constexpr int kBlobs = 5 * 4096;
  for (int i = 0; i < kBlobs; ++i) index.Insert(Blob(i, 1), static_cast<uint64_t>(i + 1));
  for (int i = 0; i < kBlobs - 10; ++i) index.Remove(Blob(i, 1));
  ASSERT_TRUE(index.ShrinkIfSparse());
  for (int i = kBlobs - 10; i < kBlobs; ++i) {
    EXPECT_EQ(index.TouchForRead(Blob(i, 1)), std::optional<uint64_t>(i + 1));
  }
}

}  // namespace
}  // namespace kiln
