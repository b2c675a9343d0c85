#include "cas/ring_repair_pass.h"

#include <gtest/gtest.h>

#include <memory>

#include "cas/memory_blob_store.h"
#include "common/hasher.h"

namespace kiln {
namespace {

// A ring of in-memory nodes and blobs written to their owners, as a replicated store would.
class Ring {
 public:
  Ring(size_t nodes, size_t replicas) : replicas_(replicas) {
    std::vector<RingNode> ring_nodes;
    for (size_t i = 0; i < nodes; ++i) {
      stores_.push_back(std::make_unique<MemoryBlobStore>());
      ring_nodes.push_back({"grpc://node-" + std::to_string(i) + ":8981", 1.0});
    }
    Rebuild(ring_nodes);
  }

  // The ring without node `removed` (its store stays, out of the ring, as a dead node's).
  void RemoveNode(size_t removed) {
    std::vector<RingNode> ring_nodes;
    std::vector<MemoryBlobStore*> kept;
    for (size_t i = 0; i < members_.size(); ++i) {
      if (i == removed) continue;
      ring_nodes.push_back(nodes_->ring().nodes()[i]);
      kept.push_back(members_[i]);
    }
    Rebuild(ring_nodes, kept);
  }
  // A new empty node joins.
  void AddNode() {
    std::vector<RingNode> ring_nodes = nodes_->ring().nodes();
    std::vector<MemoryBlobStore*> kept = members_;
    stores_.push_back(std::make_unique<MemoryBlobStore>());
    ring_nodes.push_back({"grpc://node-" + std::to_string(stores_.size() - 1) + ":8981", 1.0});
    kept.push_back(stores_.back().get());
    Rebuild(ring_nodes, kept);
  }

  Digest Put(const std::string& data) {
    const Digest digest = ComputeDigest(DigestFunction::kSha256, data);
    for (size_t owner : nodes_->ring().Owners(digest, replicas_)) EXPECT_TRUE(WriteBlob(*members_[owner], digest, data).ok());
    digests_.push_back(digest);
    return digest;
  }
  std::vector<Digest> PutMany(int count, size_t size = 100) {
    for (int i = 0; i < count; ++i) {
      std::string data = "blob " + std::to_string(i) + " ";
      data.resize(size, static_cast<char>('a' + i % 26));
      Put(data);
    }
    return digests_;
  }

  // Blobs with fewer than R copies on their owners.
  int UnderReplicated() const {
    int under = 0;
    for (const Digest& digest : digests_) {
      for (size_t owner : nodes_->ring().Owners(digest, replicas_)) {
        if (!ContainsBlob(*members_[owner], digest)) {
          ++under;
          break;
        }
      }
    }
    return under;
  }

  RingRepairPass NewPass(RingRepairOptions options, std::optional<Digest> after = std::nullopt) {
    options.replicas = replicas_;
    std::vector<BlobLister*> listers(members_.begin(), members_.end());
    return RingRepairPass(*nodes_, std::move(listers), std::move(after), options);
  }
  MemoryBlobStore& member(size_t i) { return *members_[i]; }
  ReplicaNodes& nodes() { return *nodes_; }

 private:
  void Rebuild(const std::vector<RingNode>& ring_nodes, std::vector<MemoryBlobStore*> members = {}) {
    if (members.empty()) {
      for (auto& store : stores_) members.push_back(store.get());
    }
    members_ = members;
    std::vector<BlobStore*> stores(members.begin(), members.end());
    nodes_ = std::make_unique<ReplicaNodes>(*RendezvousRing::Create(ring_nodes), stores, ReplicaNodeLimits());
  }

  size_t replicas_;
  std::vector<std::unique_ptr<MemoryBlobStore>> stores_;
  std::vector<MemoryBlobStore*> members_;
  std::unique_ptr<ReplicaNodes> nodes_;
  std::vector<Digest> digests_;
};

RingRepairOptions Unlimited(size_t page_size = 50) {
  RingRepairOptions options;
  options.bytes_per_second = 0;
  options.page_size = page_size;
  return options;
}

void RunToEnd(RingRepairPass& pass) {
  for (int steps = 0; !pass.done(); ++steps) {
    ASSERT_LT(steps, 100000);
    pass.Step();
  }
}

TEST(RingRepairPassTest, AHealthyRingNeedsNoCopies) {
  Ring ring(4, 2);
  ring.PutMany(300);
  RingRepairPass pass = ring.NewPass(Unlimited());
  RunToEnd(pass);
  EXPECT_EQ(pass.counters().blobs_scanned, 300);
  EXPECT_EQ(pass.counters().copies_made, 0);
  EXPECT_EQ(pass.counters().failures, 0);
  EXPECT_TRUE(pass.unlisted_nodes().empty());
}

TEST(RingRepairPassTest, ANodeRemovedFromTheRingHasEveryBlobBackToRCopies) {
  Ring ring(4, 2);
  ring.PutMany(400);
  ring.RemoveNode(1);
  const int under = ring.UnderReplicated();
  EXPECT_GT(under, 100);  // About half the blobs had a copy there.
  RingRepairPass pass = ring.NewPass(Unlimited());
  RunToEnd(pass);
  EXPECT_EQ(ring.UnderReplicated(), 0);
  EXPECT_EQ(pass.counters().blobs_scanned, 400);
  EXPECT_EQ(pass.counters().copies_made, pass.counters().copies_missing);
  EXPECT_GE(pass.counters().copies_made, under);
  EXPECT_EQ(pass.counters().bytes_copied, 100 * pass.counters().copies_made);
  EXPECT_EQ(pass.counters().failures, 0);
}

TEST(RingRepairPassTest, AWipedNodeIsRefilled) {
  Ring ring(3, 2);
  ring.PutMany(300);
  const size_t held = ring.member(2).blob_count();
  ring.member(2).Clear();
  RingRepairPass pass = ring.NewPass(Unlimited(7));
  RunToEnd(pass);
  EXPECT_EQ(ring.member(2).blob_count(), held);
  EXPECT_EQ(ring.UnderReplicated(), 0);
  EXPECT_EQ(pass.counters().copies_made, static_cast<int64_t>(held));
}

TEST(RingRepairPassTest, ANodeThatJoinsGetsTheBlobsItNowOwns) {
  Ring ring(3, 2);
  ring.PutMany(600);
  ring.AddNode();
  const int moved = ring.UnderReplicated();
  EXPECT_GT(moved, 150);  // About half the blobs have the new node among their 2 of 4 owners.
  RingRepairPass pass = ring.NewPass(Unlimited());
  RunToEnd(pass);
  EXPECT_EQ(ring.UnderReplicated(), 0);
  EXPECT_EQ(static_cast<int>(ring.member(3).blob_count()), moved);
}

TEST(RingRepairPassTest, APassGoesOnFromASavedCursor) {
  Ring ring(4, 2);
  ring.PutMany(500);
  ring.member(0).Clear();
  RingRepairPass first = ring.NewPass(Unlimited(20));
  // Stop partway, as a frontend that dies would.
  while (first.counters().blobs_scanned < 200) first.Step();
  const std::optional<Digest> cursor = first.cursor();
  ASSERT_TRUE(cursor.has_value());
  const int64_t first_copies = first.counters().copies_made;
  EXPECT_GT(ring.UnderReplicated(), 0);
  RingRepairPass second = ring.NewPass(Unlimited(20), ParseListingToken(ListingToken(*cursor)).value());
  RunToEnd(second);
  EXPECT_EQ(ring.UnderReplicated(), 0);
  // The second pass scanned only what lay beyond the cursor.
  EXPECT_LT(second.counters().blobs_scanned, 500 - 150);
  EXPECT_EQ(first.counters().blobs_scanned + second.counters().blobs_scanned >= 500, true);
  EXPECT_GT(first_copies, 0);
}

TEST(RingRepairPassTest, CopiesArePacedToTheByteRateOnTheClock) {
  Ring ring(3, 2);
  ring.PutMany(200, 10000);  // 10 kB each.
  ring.member(1).Clear();
  const int64_t lost = 200 - static_cast<int64_t>(ring.member(0).blob_count() + ring.member(2).blob_count() - 200);
  FakeClock clock;
  RingRepairOptions options = Unlimited();
  options.clock = &clock;
  options.bytes_per_second = 100000;  // 10 copies a second.
  options.min_bytes_per_copy = 1;
  options.parallel_copies = 4;
  RingRepairPass pass = ring.NewPass(options);
  const TimePoint start = clock.Now();
  int early_steps = 0;
  while (!pass.done()) {
    const int64_t made = pass.counters().copies_made;
    const Duration wait = pass.Step();
    if (wait > Duration::zero()) {
      const int64_t batch = pass.counters().copies_made - made;
      EXPECT_GE(batch, 1);
      EXPECT_LE(batch, 4);
      // Called again before the wait is over, the pass does nothing.
      clock.Advance(wait / 2);
      EXPECT_GT(pass.Step(), Duration::zero());
      EXPECT_EQ(pass.counters().copies_made, made + batch);
      ++early_steps;
      clock.Advance(wait - wait / 2);
    }
  }
  const int64_t bytes = pass.counters().bytes_copied;
  EXPECT_EQ(bytes, 10000 * lost);
  EXPECT_GT(early_steps, 0);
  const double seconds = std::chrono::duration<double>(clock.Now() - start).count();
  EXPECT_NEAR(seconds, static_cast<double>(bytes) / 100000, 0.01);
  EXPECT_EQ(ring.UnderReplicated(), 0);
}

// A lister that fails, as a node that is down but still a member.
class DownLister final : public BlobLister {
 public:
  StatusOr<BlobListPage> ListBlobs(const std::optional<Digest>&, size_t) override {
    return Status::Unavailable("node down");
  }
};

TEST(RingRepairPassTest, ANodeThatCannotBeListedIsReportedAndLeftAlone) {
  Ring ring(3, 2);
  ring.PutMany(100);
  DownLister down;
  std::vector<BlobLister*> listers = {&ring.member(0), &down, &ring.member(2)};
  RingRepairPass pass(ring.nodes(), listers, std::nullopt, Unlimited());
  RunToEnd(pass);
  EXPECT_EQ(pass.unlisted_nodes(), std::vector<std::string>{ring.nodes().name(1)});
  EXPECT_EQ(pass.counters().failures, 1);
  EXPECT_EQ(pass.counters().copies_made, 0);  // Nothing was copied to the node it could not list.
}

}  // namespace
}  // namespace kiln
