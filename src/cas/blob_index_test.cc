#include "cas/blob_index.h"

#include <gtest/gtest.h>

#include <list>
#include <random>
#include <string>
#include <unordered_map>

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

TEST(BlobIndexTest, OldestUnpinnedListsCandidatesWithoutEvictingThem) {
  FakeClock clock;
  BlobIndex index(&clock, std::chrono::minutes(10));
  for (int i = 0; i < 6; ++i) index.Insert(Blob(i));
  ASSERT_TRUE(index.Touch(Blob(1), /*pin=*/true));  // Pinned, and now the most recent.
  ASSERT_TRUE(index.Hold(Blob(2), std::chrono::seconds(5)));  // Held, where it was.
  EXPECT_EQ(index.OldestUnpinned(2, 0, 10), (std::vector<Digest>{Blob(0), Blob(3)}));
  EXPECT_EQ(index.OldestUnpinned(1, 250, 10), (std::vector<Digest>{Blob(0), Blob(3), Blob(4)})) << "enough bytes";
  EXPECT_EQ(index.OldestUnpinned(100, 0, 2).size(), 2u) << "at most max_blobs";
  EXPECT_EQ(index.total_bytes(), 600);
  EXPECT_FALSE(index.RemoveIfUnpinned(Blob(2)));
  clock.Advance(std::chrono::seconds(6));
  EXPECT_TRUE(index.RemoveIfUnpinned(Blob(2))) << "a hold is short";
  EXPECT_FALSE(index.RemoveIfUnpinned(Blob(1))) << "a pin lasts the grace period";
  EXPECT_FALSE(index.Hold(Blob(2), std::chrono::seconds(5))) << "gone";
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


Digest Make(DigestFunction function, const std::string& hash, int64_t size = 100) {
  return *Digest::Create(function, hash, size);
}

TEST(BlobIndexTest, TouchWithTheWrongSizeChangesNothing) {
  FakeClock clock;
  BlobIndex index(&clock, std::chrono::minutes(10));
  index.Insert(Blob(0));
  index.Insert(Blob(1));
  EXPECT_FALSE(index.Touch(Blob(0, 99), /*pin=*/true));  // Neither refreshed nor pinned.
  auto evicted = index.EvictDownTo(100);
  ASSERT_EQ(evicted.size(), 1u);
  EXPECT_EQ(evicted[0], Blob(0));
}

TEST(BlobIndexTest, EvictedDigestsRoundTripForEveryFunction) {
  FakeClock clock;
  BlobIndex index(&clock, std::chrono::minutes(1));
  std::vector<Digest> inserted;
  for (DigestFunction f : kAllDigestFunctions) {
    inserted.push_back(ComputeDigest(f, "blob"));
    inserted.push_back(Make(f, std::string(HashHexLength(f), 'f'), 7));
    inserted.push_back(Digest::Empty(f));
  }
  for (const Digest& d : inserted) index.Insert(d);
  for (const Digest& d : inserted) EXPECT_TRUE(index.Touch(d, false)) << d.ToString();
  EXPECT_EQ(index.blob_count(), inserted.size());
  auto evicted = index.EvictDownTo(-1);  // -1: the empty blobs weigh nothing.
  ASSERT_EQ(evicted.size(), inserted.size());
  for (size_t i = 0; i < evicted.size(); ++i) {
    EXPECT_EQ(evicted[i], inserted[i]);
    EXPECT_EQ(evicted[i].hash(), inserted[i].hash());
    EXPECT_EQ(evicted[i].function(), inserted[i].function());
  }
  EXPECT_EQ(index.blob_count(), 0u);
}

TEST(BlobIndexTest, LongHashesDifferingAfterTheFirst32BytesAreDistinct) {
  FakeClock clock;
  BlobIndex index(&clock, std::chrono::minutes(1));
  const std::string prefix(64, 'a');  // 32 equal bytes.
  for (DigestFunction f : {DigestFunction::kSha384, DigestFunction::kSha512}) {
    const std::string zeros(HashHexLength(f) - 64, '0');
    const Digest a = Make(f, prefix + zeros);
    const Digest b = Make(f, prefix + zeros.substr(1) + "1");
    index.Insert(a);
    EXPECT_TRUE(index.Touch(a, false));
    EXPECT_FALSE(index.Touch(b, false));
    index.Insert(b);
    EXPECT_EQ(index.blob_count(), 2u);
    index.Remove(a);
    EXPECT_FALSE(index.Touch(a, false));
    EXPECT_TRUE(index.Touch(b, false));
    auto evicted = index.EvictDownTo(0);
    ASSERT_EQ(evicted.size(), 1u);
    EXPECT_EQ(evicted[0], b);
  }
  // The same leading bytes under different functions are different keys too.
  index.Insert(Make(DigestFunction::kSha256, prefix));
  EXPECT_FALSE(index.Touch(Make(DigestFunction::kSha512, prefix + std::string(64, '0')), false));
  EXPECT_FALSE(index.Touch(Make(DigestFunction::kMd5, prefix.substr(0, 32)), false));
}

TEST(BlobIndexTest, PinExpiresExactlyAtTheGracePeriod) {
  FakeClock clock;
  BlobIndex index(&clock, std::chrono::minutes(10));
  index.Insert(Blob(0));
  ASSERT_TRUE(index.Touch(Blob(0), /*pin=*/true));
  clock.Advance(std::chrono::minutes(10) - std::chrono::nanoseconds(1));
  EXPECT_TRUE(index.EvictDownTo(0).empty());
  clock.Advance(std::chrono::nanoseconds(1));
  EXPECT_EQ(index.EvictDownTo(0).size(), 1u);
}

TEST(BlobIndexTest, PinBetweenWholeSecondsNeverExpiresEarly) {
  FakeClock clock;
  BlobIndex index(&clock, std::chrono::seconds(10));
  index.Insert(Blob(0));
  clock.Advance(std::chrono::milliseconds(500));
  ASSERT_TRUE(index.Touch(Blob(0), /*pin=*/true));  // Pinned until 10.5 s from now.
  clock.Advance(std::chrono::seconds(10) + std::chrono::milliseconds(500) - std::chrono::nanoseconds(1));
  EXPECT_TRUE(index.EvictDownTo(0).empty());
  clock.Advance(std::chrono::seconds(1));  // Deadlines are rounded up by less than a second.
  EXPECT_EQ(index.EvictDownTo(0).size(), 1u);
}

// The original list + map implementation, as the reference for the randomized test.
class ReferenceIndex {
 public:
  ReferenceIndex(const Clock* clock, Duration grace) : clock_(clock), grace_(grace) {}

  bool Touch(const Digest& d, bool pin) {
    auto it = entries_.find(d);
    if (it == entries_.end()) return false;
    recency_.splice(recency_.begin(), recency_, it->second.first);
    if (pin) it->second.second = clock_->Now() + grace_;
    return true;
  }
  void Insert(const Digest& d) {
    if (Touch(d, false)) return;
    recency_.push_front(d);
    entries_.emplace(d, std::make_pair(recency_.begin(), TimePoint()));
    total_ += d.size();
  }
  void Remove(const Digest& d) {
    auto it = entries_.find(d);
    if (it == entries_.end()) return;
    total_ -= d.size();  // Before the erases: `d` may be the list element itself.
    recency_.erase(it->second.first);
    entries_.erase(it);
  }
  std::vector<Digest> EvictDownTo(int64_t budget) {
    std::vector<Digest> evicted;
    const TimePoint now = clock_->Now();
    size_t pinned_seen = 0;
    while (total_ > budget && !recency_.empty() && pinned_seen < entries_.size()) {
      auto victim = std::prev(recency_.end());
      if (entries_.at(*victim).second > now) {
        recency_.splice(recency_.begin(), recency_, victim);
        ++pinned_seen;
        continue;
      }
      evicted.push_back(*victim);
      Remove(*victim);
    }
    return evicted;
  }
  int64_t total() const { return total_; }
  size_t count() const { return entries_.size(); }

 private:
  const Clock* clock_;
  Duration grace_;
  std::list<Digest> recency_;
  std::unordered_map<Digest, std::pair<std::list<Digest>::iterator, TimePoint>, DigestHash> entries_;
  int64_t total_ = 0;
};

TEST(BlobIndexTest, RandomOperationsMatchTheReference) {
  FakeClock clock;
  const Duration grace = std::chrono::seconds(30);
  BlobIndex index(&clock, grace);
  ReferenceIndex reference(&clock, grace);
  std::mt19937 rng(42);
  // A few thousand digests of every function; some share a hash and differ in size.
  std::vector<Digest> pool;
  for (int i = 0; i < 4000; ++i) {
    const DigestFunction f = i % 10 < 6 ? DigestFunction::kSha256 : kAllDigestFunctions[i % 5];
    const int64_t size = 1 + static_cast<int64_t>(rng() % 1000);
    pool.push_back(Make(f, HashHex(f, std::to_string(i / 2)), size));
  }
  auto pick = [&] { return pool[rng() % pool.size()]; };
  for (int step = 0; step < 200'000; ++step) {
    const unsigned op = rng() % 100;
    if (op < 40) {
      const Digest d = pick();
      index.Insert(d);
      reference.Insert(d);
    } else if (op < 75) {
      const Digest d = pick();
      const bool pin = rng() % 4 == 0;
      ASSERT_EQ(index.Touch(d, pin), reference.Touch(d, pin)) << "step " << step;
    } else if (op < 93) {
      const Digest d = pick();
      index.Remove(d);
      reference.Remove(d);
    } else if (op < 98) {
      const int64_t budget = reference.total() - static_cast<int64_t>(rng() % 200'000);
      ASSERT_EQ(index.EvictDownTo(budget), reference.EvictDownTo(budget)) << "step " << step;
    } else {
      clock.Advance(std::chrono::seconds(rng() % 20));
    }
    ASSERT_EQ(index.total_bytes(), reference.total()) << "step " << step;
    ASSERT_EQ(index.blob_count(), reference.count()) << "step " << step;
  }
  // Everything left, in order, once all pins have expired.
  clock.Advance(grace);
  EXPECT_EQ(index.EvictDownTo(-1), reference.EvictDownTo(-1));
  EXPECT_EQ(index.blob_count(), 0u);
}

TEST(BlobIndexTest, ShrinkIfSparseKeepsBlobsOrderAndPins) {
  FakeClock clock;
  BlobIndex index(&clock, std::chrono::minutes(10));
  constexpr int kBlobs = 40000;
  for (int i = 0; i < kBlobs; ++i) index.Insert(Blob(i));
  EXPECT_FALSE(index.ShrinkIfSparse()) << "all slots in use";
  // Keep 10,000 (ids 30,000..39,999), pin one of the oldest, and make 35,000 the most recent.
  EXPECT_EQ(index.EvictDownTo(100 * 10000).size(), 30000u);
  EXPECT_TRUE(index.Touch(Blob(30001), /*pin=*/true));
  EXPECT_TRUE(index.Touch(Blob(35000), /*pin=*/false));
  const size_t capacity_before = index.slot_capacity();

  ASSERT_TRUE(index.ShrinkIfSparse());
  EXPECT_LT(index.slot_capacity(), capacity_before / 2);
  EXPECT_EQ(index.blob_count(), 10000u);
  EXPECT_EQ(index.total_bytes(), 100 * 10000);
  EXPECT_FALSE(index.ShrinkIfSparse()) << "nothing to gain a second time";
  EXPECT_FALSE(index.Touch(Blob(29999), false));

  // The LRU order survived: the least recent are 30,000, 30,002, ... (30,001 and 35,000
  // were touched last).
  auto evicted = index.EvictDownTo(100 * 9997);
  ASSERT_EQ(evicted.size(), 3u);
  EXPECT_EQ(evicted[0], Blob(30000));
  EXPECT_EQ(evicted[1], Blob(30002));
  EXPECT_EQ(evicted[2], Blob(30003));
  for (int i = 30004; i < kBlobs; ++i) ASSERT_TRUE(index.Touch(Blob(i), false)) << i;
  // Evicting everything leaves only the pinned blob.
  EXPECT_EQ(index.EvictDownTo(0).size(), 9996u);
  EXPECT_EQ(index.blob_count(), 1u);
  EXPECT_TRUE(index.Touch(Blob(30001), false));
}

TEST(BlobIndexTest, GrowsAndShrinksThroughManyBlobs) {
  FakeClock clock;
  BlobIndex index(&clock, std::chrono::minutes(1));
  constexpr int kBlobs = 50'000;
  for (int i = 0; i < kBlobs; ++i) index.Insert(Blob(i));
  EXPECT_EQ(index.blob_count(), static_cast<size_t>(kBlobs));
  for (int i = 0; i < kBlobs; i += 2) index.Remove(Blob(i));  // Backward shifts everywhere.
  for (int i = 0; i < kBlobs; ++i) ASSERT_EQ(index.Touch(Blob(i), false), i % 2 == 1) << i;
  for (int i = 0; i < kBlobs; i += 2) index.Insert(Blob(i));  // Reuses freed slots.
  auto evicted = index.EvictDownTo(0);
  ASSERT_EQ(evicted.size(), static_cast<size_t>(kBlobs));
  for (int i = 0; i < kBlobs / 2; ++i) EXPECT_EQ(evicted[i], Blob(2 * i + 1));
  EXPECT_EQ(index.total_bytes(), 0);
}

}  // namespace
}  // namespace kiln
