// Writes and reads of the replicated CAS against nodes that fail in every way.
#include "cas/replicated_blob_store_fixture.h"

#include <condition_variable>
#include <mutex>

namespace kiln {
namespace testing_fixture {
namespace {

// --- Writes ---

TEST_F(ReplicatedBlobStoreTest, WritesGoToTheOwners) {
  const Digest digest = Put("hello replicas");
  const std::vector<size_t> order = Order(digest);
  EXPECT_TRUE(Node(order[0]).Has(digest));
  EXPECT_TRUE(Node(order[1]).Has(digest));
  EXPECT_EQ(Copies(digest), 2);
  EXPECT_EQ(store_->repairer().stats().hints, 0);
}

TEST_F(ReplicatedBlobStoreTest, DownOwnerIsReplacedByTheNextNodeAndGetsItsCopyWhenBack) {
  const std::string data = Bytes(100, 1);
  const Digest digest = ComputeDigest(DigestFunction::kSha256, data);
  const std::vector<size_t> order = Order(digest);
  Node(order[0]).set_mode(Mode::kRefuse);
  ASSERT_TRUE(WriteBlob(*store_, digest, data).ok());
  EXPECT_TRUE(Node(order[1]).Has(digest));
  EXPECT_TRUE(Node(order[2]).Has(digest));  // The hinted copy.
  EXPECT_EQ(store_->repairer().stats().hints, 1);

  store_->repairer().RunHandoffPass();  // Still down: the hint stays.
  store_->repairer().WaitIdle();
  EXPECT_FALSE(Node(order[0]).Has(digest));
  EXPECT_EQ(store_->repairer().stats().hints, 1);

  Node(order[0]).set_mode(Mode::kHealthy);
  store_->repairer().RunHandoffPass();
  store_->repairer().WaitIdle();
  EXPECT_TRUE(Node(order[0]).Has(digest));
  EXPECT_EQ(store_->repairer().stats().hints, 0);
  EXPECT_EQ(store_->repairer().stats().repaired, 1);
}

// With a hint list that outlives the store (the backplane's, in a farm), a hint written by
// one store is handed off by the next: a frontend's restart, or a new ring, loses none.
TEST_F(ReplicatedBlobStoreTest, HintsInASharedListOutliveTheStoreThatWroteThem) {
  MemoryHintList shared(100);
  Open(4, {.hints = &shared, .handoff_interval = Duration::zero()});
  const std::string data = Bytes(100, 3);
  const Digest digest = ComputeDigest(DigestFunction::kSha256, data);
  const size_t owner = Order(digest)[0];
  Node(owner).set_mode(Mode::kRefuse);
  ASSERT_TRUE(WriteBlob(*store_, digest, data).ok());
  ASSERT_EQ(shared.Size(), 1);
  store_.reset();  // The frontend goes away with its memory.

  Node(owner).set_mode(Mode::kHealthy);
  std::vector<ReplicatedNode> ring;
  for (size_t i = 0; i < nodes_.size(); ++i) ring.push_back({{"node-" + std::to_string(i), 1.0}, nodes_[i].get()});
  ReplicatedBlobStoreOptions options;
  options.replicas = 2;
  options.timeouts.call = kTimeout;
  options.timeouts.transfer = kTimeout;
  options.repair = {.hints = &shared, .handoff_interval = Duration::zero()};
  auto restarted = ReplicatedBlobStore::Create(std::move(ring), options);
  ASSERT_TRUE(restarted.ok());
  store_ = std::move(restarted).value();
  store_->repairer().RunHandoffPass();
  store_->repairer().WaitIdle();
  EXPECT_TRUE(Node(owner).Has(digest));
  EXPECT_EQ(shared.Size(), 0);
  EXPECT_EQ(store_->repairer().stats().repaired, 1);
}

// A hint list whose first Take waits until the test lets it go: a handoff pass caught
// holding hints when its store stops.
class GatedHintList final : public HintList {
 public:
  bool Add(const BlobHint& hint) override { return hints_.Add(hint); }
  std::vector<BlobHint> Take(size_t max) override {
    std::unique_lock lock(mutex_);
    taking_ = true;
    changed_.notify_all();
    changed_.wait(lock, [this] { return released_; });
    lock.unlock();
    return hints_.Take(max);
  }
  int64_t Size() const override { return hints_.Size(); }
  void WaitUntilTaking() {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [this] { return taking_; });
  }
  void Release() {
    std::lock_guard lock(mutex_);
    released_ = true;
    changed_.notify_all();
  }

 private:
  MemoryHintList hints_{10000};
  std::mutex mutex_;
  std::condition_variable changed_;
  bool taking_ = false;
  bool released_ = false;
};

// A frontend stopping in the middle of a handoff pass over the farm's shared list neither
// drops the hints it took nor goes on taking the rest.
TEST_F(ReplicatedBlobStoreTest, AStoreStoppingMidPassLeavesTheHintsListed) {
  GatedHintList shared;
  for (int i = 0; i < 2500; ++i) shared.Add({ComputeDigest(DigestFunction::kSha256, "blob " + std::to_string(i)), "node-1"});
  Open(4, {.hints = &shared, .handoff_interval = milliseconds(10)});
  shared.WaitUntilTaking();
  std::thread stop([this] { store_.reset(); });
  // The store's destructor marks its repairer stopping at once, then waits for the pass.
  std::this_thread::sleep_for(milliseconds(200));
  shared.Release();
  stop.join();
  EXPECT_EQ(shared.Size(), 2500);
}

TEST_F(ReplicatedBlobStoreTest, ThePeriodicHandoffPassMovesHintedCopiesToTheirOwner) {
  ReplicaRepairOptions repair;
  repair.handoff_interval = milliseconds(50);
  Open(4, repair);
  const std::string data = Bytes(100, 21);
  const Digest digest = ComputeDigest(DigestFunction::kSha256, data);
  const size_t owner = Order(digest)[0];
  Node(owner).set_mode(Mode::kRefuse);
  ASSERT_TRUE(WriteBlob(*store_, digest, data).ok());
  std::this_thread::sleep_for(milliseconds(200));  // Passes run; the owner is still down.
  EXPECT_FALSE(Node(owner).Has(digest));
  Node(owner).set_mode(Mode::kHealthy);
  EXPECT_TRUE(Eventually([&] { return Node(owner).Has(digest); }));
}

TEST_F(ReplicatedBlobStoreTest, HangingOwnerIsReplacedAfterTheDeadline) {
  const std::string data = Bytes(100, 2);
  const Digest digest = ComputeDigest(DigestFunction::kSha256, data);
  const std::vector<size_t> order = Order(digest);
  Node(order[1]).set_mode(Mode::kHang);
  const auto start = std::chrono::steady_clock::now();
  Status written = WriteBlob(*store_, digest, data);
  EXPECT_TRUE(written.ok()) << written.ToString();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  EXPECT_TRUE(Node(order[0]).Has(digest));
  EXPECT_TRUE(Node(order[2]).Has(digest));
}

TEST_F(ReplicatedBlobStoreTest, WriteFailsRatherThanKeepFewerCopies) {
  const std::string data = Bytes(100, 3);
  const Digest digest = ComputeDigest(DigestFunction::kSha256, data);
  const std::vector<size_t> order = Order(digest);
  for (size_t i = 1; i < 4; ++i) Node(order[i]).set_mode(Mode::kRefuse);
  Status written = WriteBlob(*store_, digest, data);
  EXPECT_EQ(written.code(), StatusCode::kUnavailable) << written.ToString();
  EXPECT_NE(written.message().find("needs 2 copies, but only 1"), std::string::npos) << written.message();
  EXPECT_NE(written.message().find("node-"), std::string::npos) << written.message();
}

TEST_F(ReplicatedBlobStoreTest, NodeDyingMidwayThroughAnUploadIsReplacedAtCommit) {
  const std::string data = Bytes(64 * 1024, 4);
  const Digest digest = ComputeDigest(DigestFunction::kSha256, data);
  const std::vector<size_t> order = Order(digest);
  Node(order[0]).DieAfterWriting(20000);
  auto writer = store_->OpenWrite(digest);
  ASSERT_TRUE(writer.ok());
  for (size_t at = 0; at < data.size(); at += 8192) {
    ASSERT_TRUE((*writer)->Write(std::string_view(data).substr(at, 8192)).ok());
  }
  Status committed = (*writer)->Commit();
  ASSERT_TRUE(committed.ok()) << committed.ToString();
  EXPECT_FALSE(Node(order[0]).Has(digest));
  EXPECT_TRUE(Node(order[1]).Has(digest));
  EXPECT_TRUE(Node(order[2]).Has(digest));  // Copied from order[1] at Commit.
  EXPECT_EQ(store_->repairer().stats().hints, 1);
}

TEST_F(ReplicatedBlobStoreTest, NodeDyingMidwayWithNoNodeToSpareFailsTheUpload) {
  Open(2);
  const std::string data = Bytes(64 * 1024, 5);
  const Digest digest = ComputeDigest(DigestFunction::kSha256, data);
  Node(Order(digest)[1]).DieAfterWriting(30000);
  auto writer = store_->OpenWrite(digest);
  ASSERT_TRUE(writer.ok());
  for (size_t at = 0; at < data.size(); at += 8192) {
    ASSERT_TRUE((*writer)->Write(std::string_view(data).substr(at, 8192)).ok());
  }
  Status committed = (*writer)->Commit();
  EXPECT_EQ(committed.code(), StatusCode::kUnavailable) << committed.ToString();
  EXPECT_NE(committed.message().find("only 1"), std::string::npos) << committed.message();
}

// Writes reach the nodes in pieces of 1 MiB: the upload fails with the first piece no node
// took, not at its end.
TEST_F(ReplicatedBlobStoreTest, EveryNodeDyingMidwayFailsAtTheNextPiece) {
  const std::string data = Bytes(3 << 20, 6);
  const Digest digest = ComputeDigest(DigestFunction::kSha256, data);
  for (auto& node : nodes_) node->DieAfterWriting(10000);
  auto writer = store_->OpenWrite(digest);
  ASSERT_TRUE(writer.ok());
  Status status;
  size_t at = 0;
  for (; at < data.size() && status.ok(); at += 64 * 1024) {
    status = (*writer)->Write(std::string_view(data).substr(at, 64 * 1024));
  }
  EXPECT_EQ(status.code(), StatusCode::kUnavailable) << status.ToString();
  EXPECT_LE(at, size_t{1} << 20) << "the failure surfaced only after the first piece";
  EXPECT_FALSE((*writer)->Commit().ok());
  EXPECT_EQ(Copies(digest), 0);
}

TEST_F(ReplicatedBlobStoreTest, BytesThatDoNotMatchTheDigestAreTheCallersError) {
  const Digest digest = ComputeDigest(DigestFunction::kSha256, "the real bytes");
  EXPECT_EQ(WriteBlob(*store_, digest, "other bytes!!!").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(WriteBlob(*store_, digest, "the real bytes and more").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Copies(digest), 0);
}

TEST_F(ReplicatedBlobStoreTest, EmptyBlobNeedsNoNode) {
  for (auto& node : nodes_) node->set_mode(Mode::kRefuse);
  const Digest empty = ComputeDigest(DigestFunction::kSha256, "");
  EXPECT_TRUE(WriteBlob(*store_, empty, "").ok());
  EXPECT_EQ(ReadBlob(*store_, empty).value(), "");
  EXPECT_TRUE(store_->FindMissingOrError({empty}).value().empty());
}

TEST_F(ReplicatedBlobStoreTest, AnUploadThatSucceedsHasRCopiesWhereverNodesDie) {
  // Nodes die after random amounts of data, during uploads and at Commit: each upload either
  // fails or leaves at least two copies. Never success with fewer.
  std::mt19937 random(15);
  int succeeded = 0, failed = 0;
  for (int round = 0; round < 60; ++round) {
    for (auto& node : nodes_) {
      node->set_mode(Mode::kHealthy);
      node->DieAfterWriting(random() % 3 == 0 ? static_cast<int64_t>(random() % 70000) : -1);
    }
    const std::string data = Bytes(8192 * (1 + random() % 8), 1000 + round);
    const Digest digest = ComputeDigest(DigestFunction::kSha256, data);
    Status status;
    auto writer = store_->OpenWrite(digest);
    status = writer.status();
    for (size_t at = 0; status.ok() && at < data.size(); at += 8192) {
      status = (*writer)->Write(std::string_view(data).substr(at, 8192));
    }
    if (status.ok()) status = (*writer)->Commit();
    if (status.ok()) {
      ++succeeded;
      EXPECT_GE(Copies(digest), 2) << "round " << round;
    } else {
      ++failed;
      EXPECT_EQ(status.code(), StatusCode::kUnavailable) << status.ToString();
    }
  }
  EXPECT_GT(succeeded, 10);
  EXPECT_GT(failed + succeeded, 59);
}

TEST_F(ReplicatedBlobStoreTest, ConcurrentWritesAndReadsWhileANodeFlaps) {
  std::atomic<bool> done{false};
  std::thread flapper([&] {
    while (!done) {
      Node(0).set_mode(Mode::kRefuse);
      std::this_thread::sleep_for(milliseconds(3));
      Node(0).set_mode(Mode::kHealthy);
      std::this_thread::sleep_for(milliseconds(3));
    }
  });
  std::vector<std::thread> threads;
  std::atomic<int> bad{0};
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        const std::string data = Bytes(i % 2 == 0 ? 500 : 20000, t * 100 + i);
        const Digest digest = ComputeDigest(DigestFunction::kSha256, data);
        if (!WriteBlob(*store_, digest, data).ok()) continue;  // Fewer than 2 nodes took it.
        auto read = ReadBlob(*store_, digest);
        if (!read.ok() || *read != data) ++bad;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  done = true;
  flapper.join();
  EXPECT_EQ(bad.load(), 0);
}

// --- Reads ---

TEST_F(ReplicatedBlobStoreTest, ReadFallsBackWhenTheFirstOwnerIsDownOrHangs) {
  for (size_t size : {size_t{100}, size_t{64 * 1024}}) {
    for (Mode mode : {Mode::kRefuse, Mode::kHang}) {
      const std::string data = Bytes(size, static_cast<int>(mode));
      const Digest digest = Put(data);
      Node(Order(digest)[0]).set_mode(mode);
      auto read = ReadBlob(*store_, digest);
      ASSERT_TRUE(read.ok()) << read.status().ToString();
      EXPECT_EQ(*read, data);
      Node(Order(digest)[0]).set_mode(Mode::kHealthy);
    }
  }
}

TEST_F(ReplicatedBlobStoreTest, LostCopyIsRestoredFromTheReplicaThatHadIt) {
  for (size_t size : {size_t{100}, size_t{64 * 1024}}) {
    const std::string data = Bytes(size, 7);
    const Digest digest = Put(data);
    const size_t first = Order(digest)[0];
    Node(first).Lose(digest);
    auto read = ReadBlob(*store_, digest);
    ASSERT_TRUE(read.ok()) << read.status().ToString();
    EXPECT_EQ(*read, data);
    store_->repairer().WaitIdle();
    EXPECT_TRUE(Node(first).Has(digest));
  }
  EXPECT_EQ(store_->repairer().stats().repaired, 2);
}

TEST_F(ReplicatedBlobStoreTest, WrongBytesFromAReplicaAreCaughtAndTheReplicaRewritten) {
  const std::string data = Bytes(100, 8);
  const Digest digest = Put(data);
  const size_t first = Order(digest)[0];
  Node(first).CorruptReadsOf(digest);
  auto read = ReadBlob(*store_, digest);
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(*read, data);  // The second owner's copy.
  store_->repairer().WaitIdle();
  EXPECT_EQ(ReadBlob(Node(first), digest).value(), data);
}

TEST_F(ReplicatedBlobStoreTest, WrongBytesOfAStreamedBlobFailTheReadAndAreRewritten) {
  const std::string data = Bytes(64 * 1024, 9);
  const Digest digest = Put(data);
  const size_t first = Order(digest)[0];
  Node(first).CorruptReadsOf(digest);
  EXPECT_EQ(ReadBlob(*store_, digest).status().code(), StatusCode::kDataLoss);
  store_->repairer().WaitIdle();
  EXPECT_EQ(ReadBlob(Node(first), digest).value(), data);
  EXPECT_EQ(ReadBlob(*store_, digest).value(), data);
}

TEST_F(ReplicatedBlobStoreTest, StreamResumesOnTheNextReplicaWhenItsNodeDiesMidway) {
  const std::string data = Bytes(64 * 1024, 10);
  const Digest digest = Put(data);
  Node(Order(digest)[0]).DieAfterReading(20000);
  auto read = ReadBlob(*store_, digest);
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(*read, data);
}

TEST_F(ReplicatedBlobStoreTest, StreamResumesOnTheNextReplicaWhenItsNodeHangsMidway) {
  const std::string data = Bytes(64 * 1024, 11);
  const Digest digest = Put(data);
  auto reader = store_->OpenRead(digest, 0);
  ASSERT_TRUE(reader.ok());
  std::string got(data.size(), '\0');
  auto first = (*reader)->Read(got.data(), 4096);
  ASSERT_TRUE(first.ok());
  Node(Order(digest)[0]).set_mode(Mode::kHang);
  size_t filled = *first;
  while (filled < got.size()) {
    auto n = (*reader)->Read(got.data() + filled, got.size() - filled);
    ASSERT_TRUE(n.ok()) << n.status().ToString();
    ASSERT_GT(*n, 0u);
    filled += *n;
  }
  EXPECT_EQ(got, data);
}

TEST_F(ReplicatedBlobStoreTest, AReaderThatStopsEarlyStillChecksTheRest) {
  const std::string data = Bytes(64 * 1024, 23);
  const Digest digest = Put(data);
  auto reader = store_->OpenRead(digest, 0);
  ASSERT_TRUE(reader.ok());
  char buffer[100];
  ASSERT_TRUE((*reader)->Read(buffer, sizeof buffer).ok());
  EXPECT_TRUE((*reader)->VerifyRemainder().ok());
  Node(Order(digest)[0]).CorruptReadsOf(digest);
  reader = store_->OpenRead(digest, 0);
  ASSERT_TRUE(reader.ok());
  ASSERT_TRUE((*reader)->Read(buffer, sizeof buffer).ok());
  EXPECT_EQ((*reader)->VerifyRemainder().code(), StatusCode::kDataLoss);
}

TEST_F(ReplicatedBlobStoreTest, ReadAtAnOffset) {
  const std::string data = Bytes(64 * 1024, 12);
  const Digest digest = Put(data);
  auto reader = store_->OpenRead(digest, 50000);
  ASSERT_TRUE(reader.ok());
  std::string rest(data.size() - 50000, '\0');
  size_t filled = 0;
  while (filled < rest.size()) filled += (*reader)->Read(rest.data() + filled, rest.size() - filled).value();
  EXPECT_EQ(rest, data.substr(50000));
  EXPECT_EQ(store_->OpenRead(digest, data.size() + 1).status().code(), StatusCode::kOutOfRange);
}

TEST_F(ReplicatedBlobStoreTest, NeverNotFoundForABlobALiveReplicaHolds) {
  // Written while its first owner was down: the copies are on the second owner and the
  // next node. The first owner comes back empty, and the second loses its copy.
  const std::string data = Bytes(100, 13);
  const Digest digest = ComputeDigest(DigestFunction::kSha256, data);
  const std::vector<size_t> order = Order(digest);
  Node(order[0]).set_mode(Mode::kRefuse);
  ASSERT_TRUE(WriteBlob(*store_, digest, data).ok());
  Node(order[0]).set_mode(Mode::kHealthy);
  Node(order[1]).Lose(digest);
  EXPECT_EQ(ReadBlob(*store_, digest).value(), data);
  store_->repairer().WaitIdle();
  EXPECT_TRUE(Node(order[0]).Has(digest));
  EXPECT_TRUE(Node(order[1]).Has(digest));
}

TEST_F(ReplicatedBlobStoreTest, NotFoundOnlyWhenEveryOwnerSaysSo) {
  const Digest absent = ComputeDigest(DigestFunction::kSha256, "never written");
  EXPECT_EQ(store_->OpenRead(absent, 0).status().code(), StatusCode::kNotFound);
  Node(Order(absent)[1]).set_mode(Mode::kRefuse);
  EXPECT_EQ(store_->OpenRead(absent, 0).status().code(), StatusCode::kUnavailable);
}

}  // namespace
}  // namespace testing_fixture
}  // namespace kiln
