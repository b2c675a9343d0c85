#include "cas/presence_record.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>

#include "common/hasher.h"

namespace kiln {
namespace {

using std::chrono::seconds;

Digest DigestOf(const std::string& data, DigestFunction function = DigestFunction::kSha256) {
  return ComputeDigest(function, data);
}

class PresenceRecordTest : public ::testing::Test {
 protected:
  PresenceRecord Make(size_t max_entries = 1000, Duration ttl = seconds(30)) {
    return PresenceRecord({.ttl = ttl, .max_entries = max_entries},
                          [this](size_t node) { return failures_[node].load(); });
  }

  FakeClock clock_;
  std::atomic<uint32_t> failures_[3] = {0, 0, 0};
};

TEST_F(PresenceRecordTest, VouchesForABlobUntilTheTtlAfterTheQuestion) {
  PresenceRecord record = Make();
  const Digest blob = DigestOf("blob");
  EXPECT_FALSE(record.Present(blob, clock_.Now()));
  const TimePoint asked = clock_.Now();
  clock_.Advance(seconds(2));  // The answer came later: the ttl counts from the question.
  record.Record(blob, 1, asked, failures_[1]);
  EXPECT_TRUE(record.Present(blob, clock_.Now()));
  clock_.Advance(seconds(27));
  EXPECT_TRUE(record.Present(blob, clock_.Now()));
  clock_.Advance(seconds(1));
  EXPECT_FALSE(record.Present(blob, clock_.Now()));
  // Another answer renews it.
  record.Record(blob, 1, clock_.Now(), failures_[1]);
  EXPECT_TRUE(record.Present(blob, clock_.Now()));
}

TEST_F(PresenceRecordTest, SameHashOfAnotherSizeOrFunctionIsNotVouchedFor) {
  PresenceRecord record = Make();
  const Digest blob = DigestOf("blob");
  record.Record(blob, 0, clock_.Now(), 0);
  auto other_size = Digest::Create(blob.function(), blob.hash(), blob.size() + 1);
  auto blake3 = Digest::Create(DigestFunction::kBlake3, blob.hash(), blob.size());
  EXPECT_FALSE(record.Present(*other_size, clock_.Now()));
  EXPECT_FALSE(record.Present(*blake3, clock_.Now()));
  EXPECT_FALSE(record.Present(DigestOf("other"), clock_.Now()));
}

TEST_F(PresenceRecordTest, AFailedCallToTheNodeWithdrawsWhatItVouchedFor) {
  PresenceRecord record = Make();
  const Digest on_0 = DigestOf("on node 0"), on_2 = DigestOf("on node 2");
  record.Record(on_0, 0, clock_.Now(), failures_[0]);
  record.Record(on_2, 2, clock_.Now(), failures_[2]);
  ++failures_[0];
  EXPECT_FALSE(record.Present(on_0, clock_.Now()));
  EXPECT_TRUE(record.Present(on_2, clock_.Now()));
  // An answer given before a failure that happened while it was on its way counts for nothing.
  const uint32_t before = failures_[2];
  ++failures_[2];
  record.Record(on_2, 2, clock_.Now(), before);
  EXPECT_FALSE(record.Present(on_2, clock_.Now()));
}

TEST_F(PresenceRecordTest, ForgetAfterADelete) {
  PresenceRecord record = Make();
  const Digest blob = DigestOf("blob");
  record.Record(blob, 0, clock_.Now(), 0);
  record.Forget(blob);
  EXPECT_FALSE(record.Present(blob, clock_.Now()));
}

TEST_F(PresenceRecordTest, HoldsAtMostMaxEntriesAndKeepsTheLatest) {
  PresenceRecord record = Make(/*max_entries=*/320);
  std::vector<Digest> blobs;
  for (int i = 0; i < 5000; ++i) {
    blobs.push_back(DigestOf("blob " + std::to_string(i)));
    record.Record(blobs.back(), 0, clock_.Now(), 0);
    ASSERT_LE(record.size(), 320u);
  }
  // The last shard generation's worth of each shard is certainly kept: 10 per shard here.
  int kept = 0;
  for (int i = 4990; i < 5000; ++i) kept += record.Present(blobs[i], clock_.Now()) ? 1 : 0;
  EXPECT_EQ(kept, 10);
  EXPECT_FALSE(record.Present(blobs[0], clock_.Now()));
}

TEST_F(PresenceRecordTest, ZeroTtlRecordsNothingAndLongHashesAreNotKept) {
  PresenceRecord off = Make(1000, Duration::zero());
  off.Record(DigestOf("blob"), 0, clock_.Now(), 0);
  EXPECT_FALSE(off.Present(DigestOf("blob"), clock_.Now()));
  PresenceRecord record = Make();
  const Digest sha512 = DigestOf("blob", DigestFunction::kSha512);
  record.Record(sha512, 0, clock_.Now(), 0);
  EXPECT_FALSE(record.Present(sha512, clock_.Now()));
  EXPECT_EQ(record.size(), 0u);
  const Digest sha1 = DigestOf("blob", DigestFunction::kSha1);
  record.Record(sha1, 0, clock_.Now(), 0);
  EXPECT_TRUE(record.Present(sha1, clock_.Now()));
}

}  // namespace
}  // namespace kiln
