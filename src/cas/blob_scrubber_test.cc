#include "cas/blob_scrubber.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <deque>
#include <filesystem>
#include <fstream>

#include "cas/disk_blob_store.h"
#include "common/hasher.h"
#include "testing/eventually.h"
#include "testing/temp_dir.h"

namespace kiln {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// Blobs of given sizes, scrubbed in turn; hashing takes `hash_time` of the fake clock.
class FakeTarget final : public ScrubTarget {
 public:
  FakeTarget(FakeClock* clock, std::vector<int64_t> sizes, Duration hash_time = Duration::zero())
      : clock_(clock), hash_time_(hash_time) {
    for (size_t i = 0; i < sizes.size(); ++i) {
      blobs_.push_back(*Digest::Create(DigestFunction::kSha256, std::string(63, '0') + char('1' + i), sizes[i]));
    }
  }
  std::optional<Digest> NextToScrub() override {
    if (blobs_.empty()) return std::nullopt;
    return blobs_[next_++ % blobs_.size()];
  }
  StatusOr<int64_t> Scrub(const Digest& digest) override {
    clock_->Advance(hash_time_);
    scrubbed.push_back(digest);
    return digest.size();
  }
  std::vector<Digest> scrubbed;

 private:
  FakeClock* clock_;
  Duration hash_time_;
  std::vector<Digest> blobs_;
  size_t next_ = 0;
};

BlobScrubberOptions Options(FakeClock* clock, int64_t rate) {
  BlobScrubberOptions options;
  options.bytes_per_second = rate;
  options.min_bytes_per_blob = 0;
  options.clock = clock;
  return options;
}

TEST(BlobScrubberTest, ASmallBlobCostsAtLeastTheMinimum) {
  FakeClock clock;
  FakeTarget target(&clock, {10, 10});
  BlobScrubberOptions options = Options(&clock, 1000);
  options.min_bytes_per_blob = 500;
  BlobScrubber scrubber(&target, options);
  EXPECT_EQ(scrubber.Step(), milliseconds(500)) << "not 10 ms: tiny blobs must not be walked without pause";
  EXPECT_EQ(scrubber.bytes_scrubbed(), 10);
}

TEST(BlobScrubberTest, WaitsSoThatTheAverageRateStaysWithinTheBudget) {
  FakeClock clock;
  FakeTarget target(&clock, {1000, 3000, 500});
  BlobScrubber scrubber(&target, Options(&clock, 1000));  // 1000 bytes per second.
  EXPECT_EQ(scrubber.Step(), seconds(1));
  clock.Advance(seconds(1));
  EXPECT_EQ(scrubber.Step(), seconds(3));
  clock.Advance(seconds(3));
  EXPECT_EQ(scrubber.Step(), milliseconds(500));
  EXPECT_EQ(scrubber.bytes_scrubbed(), 4500);
  EXPECT_EQ(scrubber.blobs_scrubbed(), 3);
}

TEST(BlobScrubberTest, TimeSpentHashingCountsAgainstTheWait) {
  FakeClock clock;
  FakeTarget target(&clock, {2000}, milliseconds(500));
  BlobScrubber scrubber(&target, Options(&clock, 1000));
  EXPECT_EQ(scrubber.Step(), milliseconds(1500));
}

TEST(BlobScrubberTest, StepsTakenEarlyStillOweTheirBudget) {
  // A caller that does not wait (or wakes early) gets longer waits: the budget accrues.
  FakeClock clock;
  FakeTarget target(&clock, {1000});
  BlobScrubber scrubber(&target, Options(&clock, 1000));
  EXPECT_EQ(scrubber.Step(), seconds(1));
  EXPECT_EQ(scrubber.Step(), seconds(2));
  EXPECT_EQ(scrubber.Step(), seconds(3));
}

TEST(BlobScrubberTest, IdleTimeEarnsNoBurst) {
  FakeClock clock;
  FakeTarget target(&clock, {1000});
  BlobScrubber scrubber(&target, Options(&clock, 1000));
  EXPECT_EQ(scrubber.Step(), seconds(1));
  clock.Advance(seconds(3600));
  EXPECT_EQ(scrubber.Step(), seconds(1)) << "an hour idle does not allow an hour's bytes at once";
}

TEST(BlobScrubberTest, EmptyTargetWaitsTheIdleWait) {
  FakeClock clock;
  FakeTarget target(&clock, {});
  BlobScrubberOptions options = Options(&clock, 1000);
  options.idle_wait = seconds(7);
  BlobScrubber scrubber(&target, options);
  EXPECT_EQ(scrubber.Step(), seconds(7));
  EXPECT_EQ(scrubber.blobs_scrubbed(), 0);
}

TEST(BlobScrubberTest, OverADiskStoreItQuarantinesTheCorruptBlobAndKeepsTheRest) {
  TempDir dir;
  DiskBlobStoreOptions store_options;
  store_options.root = dir.path();
  std::vector<Digest> digests;
  {
    auto store = DiskBlobStore::Open(store_options);
    ASSERT_TRUE(store.ok());
    for (int i = 0; i < 4; ++i) {
      const std::string data(10000, static_cast<char>('a' + i));
      digests.push_back(ComputeDigest(DigestFunction::kSha256, data));
      ASSERT_TRUE(WriteBlob(**store, digests.back(), data).ok());
    }
  }
  // Corrupted while kiln was not running: verification state starts empty after a restart,
  // so the scrubber's finding does not depend on a changed ctime.
  const std::string path = dir.path() + "/cas/sha256/" + digests[2].hash().substr(0, 2) + "/" + digests[2].hash();
  ASSERT_EQ(::chmod(path.c_str(), 0644), 0);
  { std::fstream(path, std::ios::in | std::ios::out | std::ios::binary).put('X'); }
  auto store = DiskBlobStore::Open(store_options);
  ASSERT_TRUE(store.ok());
  FakeClock clock;
  BlobScrubber scrubber(store->get(), Options(&clock, 1 << 20));
  for (int i = 0; i < 4; ++i) scrubber.Step();
  EXPECT_EQ(scrubber.blobs_scrubbed(), 4);
  EXPECT_EQ((*store)->FindMissing(digests), std::vector<Digest>{digests[2]});
  EXPECT_EQ((*store)->quarantined_count(), 1);
}

TEST(BlobScrubberTest, ThreadScrubsInTheBackgroundAndStopsWhenDestroyed) {
  TempDir dir;
  DiskBlobStoreOptions store_options;
  store_options.root = dir.path();
  auto store = DiskBlobStore::Open(store_options);
  ASSERT_TRUE(store.ok());
  const Digest digest = ComputeDigest(DigestFunction::kSha256, "scrub me");
  ASSERT_TRUE(WriteBlob(**store, digest, "scrub me").ok());
  BlobScrubberOptions options;
  options.bytes_per_second = 1 << 30;
  auto scrubber = std::make_unique<BlobScrubber>(store->get(), options);
  scrubber->Start();
  EXPECT_TRUE(Eventually([&] { return scrubber->blobs_scrubbed() >= 2; }));
  scrubber.reset();  // Joins the thread; must not hang.
  EXPECT_TRUE((*store)->FindMissing({digest}).empty());
}

}  // namespace
}  // namespace kiln
