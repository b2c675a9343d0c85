// Replica-aware eviction (DiskBlobStore::SetReplicaPresence) against fake rings: last copies
// are kept while other blobs can free the space, evicted (and counted) only when nothing else
// can, and a peer that does not answer is taken to hold nothing.
#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "cas/disk_blob_store.h"
#include "cas/peer_presence.h"
#include "common/hasher.h"
#include "testing/eventually.h"
#include "testing/temp_dir.h"

namespace kiln {
namespace {

namespace fs = std::filesystem;

constexpr size_t kBlobBytes = 1000;
constexpr int64_t kBudget = 10 * kBlobBytes;  // Ten blobs fit.

// A ring whose other nodes hold exactly `held`. Records what it was asked.
class FakeRing final : public ReplicaPresence {
 public:
  explicit FakeRing(std::set<std::string> held, size_t peers = 1, bool answers = true)
      : held_(std::move(held)), peers_(peers), answers_(answers) {}

  PresenceAnswer HeldElsewhere(const std::vector<Digest>& digests) override {
    if (during_question_) during_question_(digests);
    PresenceAnswer answer;
    answer.peers_asked = peers_;
    answer.peers_answered = answers_ ? peers_ : 0;
    for (const Digest& digest : digests) answer.held_elsewhere.push_back(answers_ && held_.contains(digest.hash()));
    std::lock_guard lock(mutex_);
    questions_ += 1;
    return answer;
  }
  int questions() {
    std::lock_guard lock(mutex_);
    return questions_;
  }
  // Runs while a question is out (on the store's eviction thread).
  std::function<void(const std::vector<Digest>&)> during_question_;

 private:
  const std::set<std::string> held_;
  const size_t peers_;
  const bool answers_;
  std::mutex mutex_;
  int questions_ = 0;
};

class DiskBlobStoreEvictionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    DiskBlobStoreOptions options;
    options.root = dir_.path();
    options.max_bytes = kBudget;
    options.last_copy_patience = patience_;
    auto store = DiskBlobStore::Open(options, &clock_);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
  }

  Digest Blob(int i) {
    std::string data(kBlobBytes, 'x');
    const std::string tag = std::to_string(i) + "/";
    data.replace(0, tag.size(), tag);
    const Digest digest = ComputeDigest(DigestFunction::kSha256, data);
    data_[digest.hash()] = data;
    return digest;
  }
  // Written one at a time, so that the write order is the LRU order.
  std::vector<Digest> Write(int first, int count) {
    std::vector<Digest> digests;
    for (int i = first; i < first + count; ++i) {
      digests.push_back(Blob(i));
      EXPECT_TRUE(WriteBlob(*store_, digests.back(), data_[digests.back().hash()]).ok());
    }
    store_->WaitForEvictionChecks();
    return digests;
  }
  // Asked of the disk, not of the store: FindMissing would pin.
  bool Stored(const Digest& digest) { return fs::exists(store_->PathFor(digest)); }
  // Plain LRU deletes the files of evicted blobs on another thread, soon after.
  bool Gone(const Digest& digest) {
    return Eventually([&] { return !fs::exists(store_->PathFor(digest)); });
  }

  // No waiting for the ring to change its mind, but in the test of the wait.
  Duration patience_ = Duration::zero();
  TempDir dir_;
  FakeClock clock_;
  std::map<std::string, std::string> data_;
  std::unique_ptr<DiskBlobStore> store_;
};

TEST_F(DiskBlobStoreEvictionTest, LastCopiesAreKeptWhileBlobsHeldElsewhereFreeTheSpace) {
  std::set<std::string> odd;
  for (int i = 1; i < 10; i += 2) odd.insert(Blob(i).hash());
  auto ring = std::make_shared<FakeRing>(odd);
  store_->SetReplicaPresence(ring, "grpc://b");
  const std::vector<Digest> old = Write(0, 10);
  Write(100, 3);  // Three must go.

  // Plain LRU would have dropped blobs 0, 1 and 2; the even ones are last copies.
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(Stored(old[i]), i % 2 == 0 || i > 5) << "blob " << i;
  }
  EXPECT_LE(store_->total_bytes(), kBudget);
  EXPECT_EQ(store_->last_copy_evictions(), 0);
  EXPECT_GE(store_->last_copies_kept(), 3);
  EXPECT_EQ(store_->evicted_blobs(), 3);
  EXPECT_GE(ring->questions(), 1);
}

TEST_F(DiskBlobStoreEvictionTest, EvictsLastCopiesOldestFirstWhenNothingElseFreesTheSpace) {
  store_->SetReplicaPresence(std::make_shared<FakeRing>(std::set<std::string>{Blob(105).hash()}), "grpc://b");
  const std::vector<Digest> old = Write(0, 10);
  const std::vector<Digest> fresh = Write(100, 2);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(Stored(old[i]), i >= 2) << "blob " << i;
  EXPECT_TRUE(Stored(fresh[0]) && Stored(fresh[1]));
  EXPECT_EQ(store_->last_copy_evictions(), 2);
  EXPECT_LE(store_->total_bytes(), kBudget);
}

TEST_F(DiskBlobStoreEvictionTest, UploadsThatOutrunTheQuestionsDoNotMakeItEvictLastCopies) {
  std::set<std::string> held;
  for (int i = 1; i < 10; i += 2) held.insert(Blob(i).hash());
  for (int i = 100; i < 200; ++i) held.insert(Blob(i).hash());
  auto ring = std::make_shared<FakeRing>(held);
  // During each of the first twelve questions (more rounds than a pass has), more blobs
  // arrive than the question's candidates can make room for.
  int next = 101;
  ring->during_question_ = [&](const std::vector<Digest>&) {
    for (int i = 0; i < 6 && next < 173; ++i) {
      const Digest digest = Blob(next++);
      EXPECT_TRUE(WriteBlob(*store_, digest, data_[digest.hash()]).ok());
    }
  };
  const std::vector<Digest> old = Write(0, 10);
  store_->SetReplicaPresence(ring, "grpc://b");
  Write(100, 1);
  EXPECT_EQ(next, 173);
  EXPECT_GT(ring->questions(), 8);
  for (int i = 0; i < 10; i += 2) EXPECT_TRUE(Stored(old[i])) << "blob " << i;
  EXPECT_EQ(store_->last_copy_evictions(), 0);
  EXPECT_LE(store_->total_bytes(), kBudget);
}

class PatientEvictionTest : public DiskBlobStoreEvictionTest {
 protected:
  PatientEvictionTest() { patience_ = std::chrono::seconds(1); }
};

TEST_F(PatientEvictionTest, LastCopiesGoOnlyAfterTheRingHadTimeToChangeItsMind) {
  auto ring = std::make_shared<FakeRing>(std::set<std::string>{});
  store_->SetReplicaPresence(ring, "grpc://b");
  const std::vector<Digest> old = Write(0, 10);
  const auto start = std::chrono::steady_clock::now();
  Write(100, 1);  // Waits for the evictions, which wait for the patience.
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
  EXPECT_GE(ring->questions(), 2) << "asked again meanwhile";
  EXPECT_FALSE(Stored(old[0]));
  EXPECT_EQ(store_->last_copy_evictions(), 1);
}

TEST_F(DiskBlobStoreEvictionTest, NoAnswerMeansNoOtherCopy) {
  // The ring would say every blob is held elsewhere, had it answered.
  std::set<std::string> all;
  for (int i = 0; i < 10; ++i) all.insert(Blob(i).hash());
  store_->SetReplicaPresence(std::make_shared<FakeRing>(all, /*peers=*/2, /*answers=*/false), "grpc://b");
  Write(0, 10);
  Write(100, 1);
  EXPECT_EQ(store_->last_copy_evictions(), 1);
  EXPECT_FALSE(Stored(Blob(0)));
}

TEST_F(DiskBlobStoreEvictionTest, ARingOfOneNodeIsPlainLru) {
  store_->SetReplicaPresence(std::make_shared<FakeRing>(std::set<std::string>{}, /*peers=*/0), "grpc://b");
  const std::vector<Digest> old = Write(0, 10);
  Write(100, 2);
  EXPECT_FALSE(Stored(old[0]));
  EXPECT_FALSE(Stored(old[1]));
  EXPECT_TRUE(Stored(old[2]));
  EXPECT_EQ(store_->last_copy_evictions(), 0);
  EXPECT_EQ(store_->evicted_blobs(), 2);
}

TEST_F(DiskBlobStoreEvictionTest, ABlobUnderItsOwnQuestionIsNotHeldForAPeer) {
  std::set<std::string> all;
  for (int i = 0; i < 20; ++i) all.insert(Blob(i).hash());
  auto ring = std::make_shared<FakeRing>(all);
  std::vector<bool> answers_meanwhile;
  std::vector<bool> answers_to_earlier_name;
  // Other nodes ask about the same blobs while this one's question is out. The one whose name
  // sorts after this node's must not be told "held" for blobs this node may be dropping on
  // its word; the one whose name sorts first is, and this node holds them.
  ring->during_question_ = [&](const std::vector<Digest>& candidates) {
    if (!answers_meanwhile.empty()) return;
    answers_meanwhile = store_->HoldForPeer(candidates, "grpc://c");
    answers_to_earlier_name = store_->HoldForPeer({candidates[0]}, "grpc://a");
  };
  store_->SetReplicaPresence(ring, "grpc://b");
  const std::vector<Digest> old = Write(0, 11);
  ASSERT_FALSE(answers_meanwhile.empty());
  for (bool held : answers_meanwhile) EXPECT_FALSE(held);
  for (bool held : answers_to_earlier_name) EXPECT_TRUE(held);
  EXPECT_TRUE(Stored(old[0])) << "held for grpc://a, so not evicted on its word";
  EXPECT_FALSE(Stored(old[1]));
  EXPECT_EQ(store_->evicted_blobs(), 1);
  // Outside a question, a blob held is reported held, and a missing one not.
  EXPECT_EQ(store_->HoldForPeer({Blob(5), Blob(50)}, "grpc://c"), (std::vector<bool>{true, false}));
}

TEST_F(DiskBlobStoreEvictionTest, ABlobHeldForAPeerStaysForTheHoldOnly) {
  const std::vector<Digest> old = Write(0, 10);  // Plain LRU: no ring yet.
  ASSERT_EQ(store_->HoldForPeer({old[0]}, "grpc://a"), std::vector<bool>{true});
  Write(100, 1);
  EXPECT_TRUE(Gone(old[1]));
  EXPECT_TRUE(Stored(old[0])) << "held for the peer that is evicting its own copy";
  // The hold is short, not the grace period.
  clock_.Advance(std::chrono::seconds(7));
  Write(101, 10);
  EXPECT_TRUE(Gone(old[0]));
}

// A peer that answers after `delay`, holding everything, or that fails.
class FakePeer final : public ReplicaPeer {
 public:
  FakePeer(bool holds, std::chrono::milliseconds delay = {}, bool fails = false)
      : holds_(holds), delay_(delay), fails_(fails) {}
  StatusOr<std::vector<bool>> FindHeld(const std::vector<Digest>& digests) override {
    std::this_thread::sleep_for(delay_);
    if (fails_) return Status::Unavailable("down");
    return std::vector<bool>(digests.size(), holds_);
  }

 private:
  const bool holds_;
  const std::chrono::milliseconds delay_;
  const bool fails_;
};

TEST(PeerPresenceTest, APeerThatFailsOrDoesNotAnswerInTimeHoldsNothing) {
  PeerPresence presence(std::chrono::milliseconds(200));
  const std::vector<Digest> digests = {ComputeDigest(DigestFunction::kSha256, "a"),
                                       ComputeDigest(DigestFunction::kSha256, "b")};
  EXPECT_EQ(presence.HeldElsewhere(digests).peers_asked, 0u);

  presence.SetPeers({{"slow", std::make_shared<FakePeer>(true, std::chrono::milliseconds(2000))},
                     {"down", std::make_shared<FakePeer>(true, std::chrono::milliseconds(0), true)},
                     {"empty", std::make_shared<FakePeer>(false)}});
  const auto start = std::chrono::steady_clock::now();
  PresenceAnswer answer = presence.HeldElsewhere(digests);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(1500));
  EXPECT_EQ(answer.peers_asked, 3u);
  EXPECT_EQ(answer.peers_answered, 1u);
  EXPECT_EQ(answer.held_elsewhere, (std::vector<bool>{false, false}));

  presence.SetPeers({{"empty", std::make_shared<FakePeer>(false)}, {"full", std::make_shared<FakePeer>(true)}});
  answer = presence.HeldElsewhere(digests);
  EXPECT_EQ(answer.peers_answered, 2u);
  EXPECT_EQ(answer.held_elsewhere, (std::vector<bool>{true, true}));
}

TEST_F(DiskBlobStoreEvictionTest, AHangingPeerCostsOnlyItsDeadline) {
  auto presence = std::make_shared<PeerPresence>(std::chrono::milliseconds(100));
  presence->SetPeers({{"hangs", std::make_shared<FakePeer>(true, std::chrono::milliseconds(1000))}});
  store_->SetReplicaPresence(presence, "grpc://b");
  const std::vector<Digest> old = Write(0, 10);
  const auto start = std::chrono::steady_clock::now();
  Write(100, 1);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(900));
  EXPECT_FALSE(Stored(old[0]));
  EXPECT_EQ(store_->last_copy_evictions(), 1) << "no answer: the blob may have been the last copy";
}

}  // namespace
}  // namespace kiln
