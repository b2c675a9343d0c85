#include "cas/upload_registry.h"

#include <gtest/gtest.h>

#include "cas/memory_blob_store.h"
#include "cas/stalled_upload_sweeper.h"
#include "common/hasher.h"

namespace kiln {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;

class CountingStream final : public UploadStream {
 public:
  void Cancel() override { ++cancels; }
  int cancels = 0;
};

class UploadRegistryTest : public ::testing::Test {
 protected:
  UploadRegistry::Opener OpenerFor(const std::string& content) {
    return [this, content]() -> StatusOr<std::unique_ptr<BlobUpload>> {
      ++opened_;
      Digest digest = ComputeDigest(DigestFunction::kSha256, content);
      auto writer = store_.OpenWrite(digest);
      if (!writer.ok()) return writer.status();
      return std::make_unique<BlobUpload>(std::move(writer).value(), digest, Compression::kIdentity);
    };
  }
  StatusOr<UploadRegistry::Claimed> Claim(UploadRegistry& registry, const std::string& name,
                                          const std::string& connection,
                                          std::shared_ptr<UploadStream> stream = nullptr) {
    return registry.Claim(name, connection, std::move(stream), OpenerFor(name));
  }

  MemoryBlobStore store_;
  FakeClock clock_;
  int opened_ = 0;
};

TEST_F(UploadRegistryTest, ReleasedUploadIsResumableAndExclusive) {
  UploadRegistry registry(&clock_, UploadLimits{});
  auto first = Claim(registry, "resume me", "peer-a");
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(first->upload->Append(0, "resume").ok());
  EXPECT_EQ(Claim(registry, "resume me", "peer-b").status().code(), StatusCode::kAborted);
  registry.Release("resume me", first->ticket);
  EXPECT_EQ(registry.CommittedSize("resume me"), 6);
  auto second = Claim(registry, "resume me", "peer-b");
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->upload.get(), first->upload.get());
  EXPECT_EQ(opened_, 1);
  ASSERT_TRUE(second->upload->Append(6, " me").ok());
  ASSERT_TRUE(second->upload->Finish().ok());
  registry.Remove("resume me", second->ticket);
  EXPECT_FALSE(registry.CommittedSize("resume me").has_value());
  EXPECT_EQ(registry.streaming("peer-b"), 0);
}

TEST_F(UploadRegistryTest, IdleUploadsExpire) {
  UploadRegistry registry(&clock_, UploadLimits{});
  auto claimed = Claim(registry, "idle", "peer");
  ASSERT_TRUE(claimed.ok());
  registry.Release("idle", claimed->ticket);
  clock_.Advance(minutes(11));
  EXPECT_FALSE(registry.CommittedSize("idle").has_value());
  EXPECT_EQ(registry.size(), 0u);
}

TEST_F(UploadRegistryTest, OneConnectionStreamsAtMostItsLimit) {
  UploadLimits limits;
  limits.max_open = 10;
  limits.max_per_connection = 2;
  UploadRegistry registry(&clock_, limits);
  auto a1 = Claim(registry, "a1", "peer-a");
  auto a2 = Claim(registry, "a2", "peer-a");
  ASSERT_TRUE(a1.ok() && a2.ok());
  auto a3 = Claim(registry, "a3", "peer-a");
  EXPECT_EQ(a3.status().code(), StatusCode::kResourceExhausted);
  EXPECT_NE(a3.status().message().find("--max-uploads-per-connection 2"), std::string::npos) << a3.status().message();
  EXPECT_EQ(opened_, 2);  // Refused before a temp file was opened.
  // Another connection is not affected.
  EXPECT_TRUE(Claim(registry, "b1", "peer-b").ok());
  // An interrupted upload no longer counts against its connection.
  registry.Release("a1", a1->ticket);
  EXPECT_EQ(registry.streaming("peer-a"), 1);
  EXPECT_TRUE(Claim(registry, "a3", "peer-a").ok());
  // Resuming counts like opening.
  EXPECT_EQ(Claim(registry, "a1", "peer-a").status().code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(registry.size(), 4u);
}

TEST_F(UploadRegistryTest, TotalLimitDropsTheOldestInterruptedUploadThenRefuses) {
  UploadLimits limits;
  limits.max_open = 3;
  limits.max_per_connection = 3;
  UploadRegistry registry(&clock_, limits);
  auto u1 = Claim(registry, "u1", "peer-a");
  auto u2 = Claim(registry, "u2", "peer-b");
  auto u3 = Claim(registry, "u3", "peer-c");
  ASSERT_TRUE(u1.ok() && u2.ok() && u3.ok());
  auto refused = Claim(registry, "u4", "peer-d");
  EXPECT_EQ(refused.status().code(), StatusCode::kResourceExhausted);
  EXPECT_NE(refused.status().message().find("--max-open-uploads 3"), std::string::npos) << refused.status().message();

  registry.Release("u2", u2->ticket);
  clock_.Advance(seconds(1));
  registry.Release("u1", u1->ticket);
  // u2 was interrupted first: it makes room.
  ASSERT_TRUE(Claim(registry, "u4", "peer-d").ok());
  EXPECT_FALSE(registry.CommittedSize("u2").has_value());
  EXPECT_TRUE(registry.CommittedSize("u1").has_value());
  EXPECT_EQ(registry.size(), 3u);
}

TEST_F(UploadRegistryTest, CheckRoomAnswersAsClaimWouldWithoutOpening) {
  UploadLimits limits;
  limits.max_open = 2;
  limits.max_per_connection = 1;
  UploadRegistry registry(&clock_, limits);
  EXPECT_TRUE(registry.CheckRoom("u1", "peer-a").ok());
  auto u1 = Claim(registry, "u1", "peer-a");
  ASSERT_TRUE(u1.ok());
  EXPECT_EQ(registry.CheckRoom("u1", "peer-b").code(), StatusCode::kAborted);
  EXPECT_EQ(registry.CheckRoom("u2", "peer-a").code(), StatusCode::kResourceExhausted);
  ASSERT_TRUE(Claim(registry, "u2", "peer-b").ok());
  Status full = registry.CheckRoom("u3", "peer-c");
  EXPECT_EQ(full.code(), StatusCode::kResourceExhausted);
  EXPECT_NE(full.message().find("--max-open-uploads 2"), std::string::npos) << full.message();
  // An interrupted upload would make room.
  registry.Release("u1", u1->ticket);
  EXPECT_TRUE(registry.CheckRoom("u3", "peer-c").ok());
  EXPECT_EQ(opened_, 2);
}

// Asked before a stream has named its upload: refuses only what every name would be refused.
TEST_F(UploadRegistryTest, CheckRoomForAnyRefusesOnlyWhatNoNameCouldGet) {
  UploadLimits limits;
  limits.max_open = 2;
  limits.max_per_connection = 1;
  UploadRegistry registry(&clock_, limits);
  EXPECT_TRUE(registry.CheckRoomForAny("peer-a").ok());
  auto u1 = Claim(registry, "u1", "peer-a");
  ASSERT_TRUE(u1.ok());
  Status connection_full = registry.CheckRoomForAny("peer-a");
  EXPECT_EQ(connection_full.code(), StatusCode::kResourceExhausted);
  EXPECT_NE(connection_full.message().find("--max-uploads-per-connection 1"), std::string::npos);
  // Another stream may name u1, which is ABORTED, but a new name still has room.
  EXPECT_TRUE(registry.CheckRoomForAny("peer-b").ok());
  ASSERT_TRUE(Claim(registry, "u2", "peer-b").ok());
  Status full = registry.CheckRoomForAny("peer-c");
  EXPECT_EQ(full.code(), StatusCode::kResourceExhausted);
  EXPECT_NE(full.message().find("--max-open-uploads 2"), std::string::npos) << full.message();
  // An interrupted upload would make room (for a new name, or for resuming it).
  registry.Release("u1", u1->ticket);
  EXPECT_TRUE(registry.CheckRoomForAny("peer-c").ok());
  EXPECT_TRUE(registry.CheckRoomForAny("peer-a").ok());
  // Interrupted uploads past their idle timeout are gone: the slot is free.
  clock_.Advance(minutes(11));
  EXPECT_TRUE(registry.CheckRoomForAny("peer-c").ok());
  EXPECT_EQ(registry.size(), 1u);
}

TEST_F(UploadRegistryTest, AResumedUploadIsTheMostRecentlyUsedAgain) {
  UploadLimits limits;
  limits.max_open = 2;
  UploadRegistry registry(&clock_, limits);
  auto u1 = Claim(registry, "u1", "peer-a");
  auto u2 = Claim(registry, "u2", "peer-a");
  ASSERT_TRUE(u1.ok() && u2.ok());
  registry.Release("u1", u1->ticket);
  registry.Release("u2", u2->ticket);
  auto resumed = Claim(registry, "u1", "peer-b");
  ASSERT_TRUE(resumed.ok());
  registry.Release("u1", resumed->ticket);
  // u1 was interrupted first but resumed since: u2 is the one to make room.
  ASSERT_TRUE(Claim(registry, "u3", "peer-c").ok());
  EXPECT_TRUE(registry.CommittedSize("u1").has_value());
  EXPECT_FALSE(registry.CommittedSize("u2").has_value());
}

TEST_F(UploadRegistryTest, OpeningATempFileHoldsNoLockButHoldsTheSlot) {
  UploadLimits limits;
  limits.max_open = 1;
  UploadRegistry registry(&clock_, limits);
  StatusOr<UploadRegistry::Claimed> rival = Status::Internal("not tried");
  StatusOr<UploadRegistry::Claimed> other = Status::Internal("not tried");
  std::optional<int64_t> size_while_opening;
  auto claimed = registry.Claim("slow", "peer-a", nullptr, [&]() -> StatusOr<std::unique_ptr<BlobUpload>> {
    // Called without the registry's lock (these would deadlock otherwise), with the upload
    // already claimed: the same name is taken and the only slot is in use.
    size_while_opening = registry.CommittedSize("slow");
    rival = Claim(registry, "slow", "peer-b");
    other = Claim(registry, "other", "peer-b");
    return OpenerFor("slow")();
  });
  ASSERT_TRUE(claimed.ok()) << claimed.status().message();
  EXPECT_EQ(size_while_opening, 0);
  EXPECT_EQ(rival.status().code(), StatusCode::kAborted);
  EXPECT_EQ(other.status().code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(registry.streaming("peer-a"), 1);
}

TEST_F(UploadRegistryTest, AnUploadThatFailsToOpenGivesItsSlotBack) {
  UploadLimits limits;
  limits.max_open = 1;
  UploadRegistry registry(&clock_, limits);
  auto failed = registry.Claim("broken", "peer-a", nullptr,
                               []() -> StatusOr<std::unique_ptr<BlobUpload>> { return Status::Internal("disk gone"); });
  EXPECT_EQ(failed.status().code(), StatusCode::kInternal);
  EXPECT_EQ(registry.size(), 0u);
  EXPECT_EQ(registry.streaming("peer-a"), 0);
  EXPECT_FALSE(registry.CommittedSize("broken").has_value());
  EXPECT_TRUE(Claim(registry, "next", "peer-a").ok());
}

TEST_F(UploadRegistryTest, StalledStreamIsCancelledAndItsSlotReused) {
  UploadLimits limits;
  limits.max_open = 1;
  limits.max_per_connection = 1;
  limits.stall_timeout = minutes(1);
  UploadRegistry registry(&clock_, limits);
  auto stream = std::make_shared<CountingStream>();
  auto claimed = Claim(registry, "slow", "peer", stream);
  ASSERT_TRUE(claimed.ok());

  // Data keeps it alive: progress is noted by the sweeps.
  clock_.Advance(seconds(50));
  ASSERT_TRUE(claimed->upload->Append(0, "s").ok());
  EXPECT_EQ(StalledUploadSweeper::SweepOnce(registry), 0u);
  clock_.Advance(seconds(50));
  EXPECT_EQ(StalledUploadSweeper::SweepOnce(registry), 0u);
  EXPECT_EQ(stream->cancels, 0);

  // Then silence beyond the stall timeout.
  clock_.Advance(seconds(20));
  EXPECT_EQ(StalledUploadSweeper::SweepOnce(registry), 1u);
  EXPECT_EQ(stream->cancels, 1);
  EXPECT_EQ(registry.size(), 0u);
  EXPECT_EQ(registry.streaming("peer"), 0);
  EXPECT_FALSE(registry.CommittedSize("slow").has_value());  // Dropped, not kept for resumption.

  // The slot is free again; the cancelled stream's late release does not touch the new claim.
  auto again = Claim(registry, "slow", "peer");
  ASSERT_TRUE(again.ok());
  EXPECT_NE(again->upload.get(), claimed->upload.get());
  registry.Release("slow", claimed->ticket);
  EXPECT_EQ(registry.streaming("peer"), 1);
  EXPECT_EQ(Claim(registry, "slow", "other").status().code(), StatusCode::kAborted);
}

TEST_F(UploadRegistryTest, InterruptedUploadsAreNotStalled) {
  UploadLimits limits;
  limits.stall_timeout = seconds(10);
  UploadRegistry registry(&clock_, limits);
  auto stream = std::make_shared<CountingStream>();
  auto claimed = Claim(registry, "resumable", "peer", stream);
  ASSERT_TRUE(claimed.ok());
  registry.Release("resumable", claimed->ticket);
  clock_.Advance(minutes(5));
  EXPECT_EQ(StalledUploadSweeper::SweepOnce(registry), 0u);
  EXPECT_EQ(stream->cancels, 0);
  EXPECT_TRUE(registry.CommittedSize("resumable").has_value());
}

TEST(StalledUploadSweeperTest, SweepsSeveralTimesPerStallTimeout) {
  EXPECT_EQ(StalledUploadSweeper::Period(seconds(1)), std::chrono::milliseconds(250));
  EXPECT_EQ(StalledUploadSweeper::Period(minutes(10)), seconds(5));
  EXPECT_EQ(StalledUploadSweeper::Period(std::chrono::milliseconds(1)), std::chrono::milliseconds(50));
}

}  // namespace
}  // namespace kiln
