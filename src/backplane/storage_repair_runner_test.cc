#include "backplane/storage_repair_runner.h"

#include <gtest/gtest.h>

#include <thread>

#include "backplane/storage_status.h"
#include "cas/memory_blob_store.h"
#include "common/hasher.h"
#include "testing/redis_backplane_for_tests.h"

namespace kiln {
namespace {

using testing_support::RedisBackplaneForTests;

redis::RedisClient* Redis() { return &RedisBackplaneForTests::Get().client(); }

TEST(RepairLeaseTest, OneHolderAtATimeAndTheNextTakesOverWhenItIsReleased) {
  RepairLease a(Redis(), SystemClock::Get(), "lease-one", "frontend a", std::chrono::seconds(30));
  RepairLease b(Redis(), SystemClock::Get(), "lease-one", "frontend b", std::chrono::seconds(30));
  EXPECT_TRUE(a.Refresh().value());
  EXPECT_FALSE(b.Refresh().value());
  EXPECT_TRUE(a.Refresh().value());  // Renewed.
  EXPECT_TRUE(a.held());
  EXPECT_FALSE(b.held());
  EXPECT_EQ(RepairLease::CurrentHolder(Redis(), "lease-one").value(), "frontend a");
  a.Release();
  EXPECT_FALSE(a.held());
  EXPECT_TRUE(b.Refresh().value());
  EXPECT_FALSE(a.Refresh().value());
  EXPECT_EQ(RepairLease::CurrentHolder(Redis(), "lease-one").value(), "frontend b");
  b.Release();
  EXPECT_EQ(RepairLease::CurrentHolder(Redis(), "lease-one").value(), "");
}

TEST(RepairLeaseTest, ALeaseNotRenewedExpiresAndItsHolderCannotRenewItsSuccessors) {
  RepairLease a(Redis(), SystemClock::Get(), "lease-expiry", "frontend a", std::chrono::milliseconds(300));
  RepairLease b(Redis(), SystemClock::Get(), "lease-expiry", "frontend b", std::chrono::seconds(30));
  ASSERT_TRUE(a.Refresh().value());
  std::this_thread::sleep_for(std::chrono::milliseconds(450));
  EXPECT_FALSE(a.held());
  EXPECT_TRUE(b.Refresh().value());
  EXPECT_FALSE(a.Refresh().value());
  a.Release();  // Not its lease any more: nothing happens.
  EXPECT_EQ(RepairLease::CurrentHolder(Redis(), "lease-expiry").value(), "frontend b");
  b.Release();
}

TEST(RepairRecordTest, OnlyTheLeaseHolderSavesAndTheRecordRoundTrips) {
  RepairLease lease(Redis(), SystemClock::Get(), "record-save", "frontend a", std::chrono::seconds(30));
  RepairRecordStore records(Redis(), "record-save");
  EXPECT_EQ(records.Load()->state, RepairRecord::State::kNone);
  RepairRecord record;
  record.state = RepairRecord::State::kRunning;
  record.ring = "R=2 grpc://a:1=1 grpc://b:1=2";
  record.cursor = "sha256/" + std::string(64, 'c') + "/12";
  record.fraction_done = 0.75;
  record.counters = {100, 20, 18, 1800, 2};
  record.started = WallTimePoint(std::chrono::milliseconds(1'700'000'000'123));
  record.updated = WallTimePoint(std::chrono::milliseconds(1'700'000'001'456));
  record.unlisted_nodes = {"grpc://b:1"};
  record.runner = "frontend a";
  EXPECT_EQ(records.Save(record, lease).code(), StatusCode::kFailedPrecondition);
  ASSERT_TRUE(lease.Refresh().value());
  ASSERT_TRUE(records.Save(record, lease).ok());
  auto loaded = records.Load();
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded->state, RepairRecord::State::kRunning);
  EXPECT_EQ(loaded->ring, record.ring);
  EXPECT_EQ(loaded->cursor, record.cursor);
  EXPECT_NEAR(loaded->fraction_done, 0.75, 1e-6);
  EXPECT_EQ(loaded->counters.blobs_scanned, 100);
  EXPECT_EQ(loaded->counters.copies_missing, 20);
  EXPECT_EQ(loaded->counters.copies_made, 18);
  EXPECT_EQ(loaded->counters.bytes_copied, 1800);
  EXPECT_EQ(loaded->counters.failures, 2);
  EXPECT_EQ(loaded->started, record.started);
  EXPECT_EQ(loaded->updated, record.updated);
  EXPECT_EQ(loaded->unlisted_nodes, record.unlisted_nodes);
  EXPECT_EQ(loaded->runner, "frontend a");
  lease.Release();
}

// A farm's storage ring of in-memory nodes, listed in a Redis namespace of its own.
class FakeFarm {
 public:
  FakeFarm(const std::string& key_namespace, size_t nodes) : namespace_(key_namespace) {
    StorageDirectoryOptions options;
    options.key_namespace = key_namespace;
    directory_ = std::make_unique<StorageDirectory>(Redis(), SystemClock::Get(), options);
    for (size_t i = 0; i < nodes; ++i) {
      const std::string name = "grpc://node-" + std::to_string(i) + ":8981";
      stores_[name] = std::make_shared<MemoryBlobStore>();
      StorageDirectory joining(Redis(), SystemClock::Get(), options);
      EXPECT_TRUE(joining.Join(name, 1).ok());
    }
  }

  // Writes `count` blobs to their owners in the ring as it is now.
  void PutBlobs(int count) {
    auto ring = Ring();
    for (int i = 0; i < count; ++i) {
      const std::string data = namespace_ + " blob " + std::to_string(i);
      const Digest digest = ComputeDigest(DigestFunction::kSha256, data);
      for (size_t owner : ring.Owners(digest, 2)) {
        ASSERT_TRUE(WriteBlob(*stores_[ring.nodes()[owner].name], digest, data).ok());
      }
      digests_.push_back(digest);
    }
  }
  // Blobs with fewer than 2 copies on their owners in the ring as it is now.
  int UnderReplicated() {
    auto ring = Ring();
    int under = 0;
    for (const Digest& digest : digests_) {
      for (size_t owner : ring.Owners(digest, 2)) {
        if (!ContainsBlob(*stores_[ring.nodes()[owner].name], digest)) {
          ++under;
          break;
        }
      }
    }
    return under;
  }

  std::unique_ptr<StorageRepairRunner> NewRunner(const std::string& name) {
    StorageRepairOptions options;
    options.key_namespace = namespace_;
    options.runner_name = name;
    options.pass.bytes_per_second = 0;
    options.pass.page_size = 16;
    options.checkpoint_interval = Duration::zero();
    options.idle_poll = std::chrono::milliseconds(10);
    options.lease_poll = std::chrono::milliseconds(10);
    RepairNodeFactory factory = [this](const std::string& target) -> StatusOr<RepairNodeAccess> {
      auto store = stores_.at(target);
      return RepairNodeAccess{store, store};
    };
    StorageDirectory* directory = directory_.get();
    return std::make_unique<StorageRepairRunner>(Redis(), [directory] { return directory->List(); }, factory,
                                                 options);
  }

  MemoryBlobStore& node(size_t i) { return *stores_["grpc://node-" + std::to_string(i) + ":8981"]; }
  StorageDirectory& directory() { return *directory_; }
  const std::string& key_namespace() const { return namespace_; }
  size_t blob_count() const { return digests_.size(); }

 private:
  RendezvousRing Ring() {
    std::vector<RingNode> nodes;
    const std::vector<StorageNodeEntry> members = directory_->List().value();
    for (const StorageNodeEntry& member : members) nodes.push_back({member.name, member.weight});
    return RendezvousRing::Create(nodes).value();
  }

  std::string namespace_;
  std::unique_ptr<StorageDirectory> directory_;
  std::map<std::string, std::shared_ptr<MemoryBlobStore>> stores_;
  std::vector<Digest> digests_;
};

// Turns the runner until it has no pass running (after starting one).
void RunPass(StorageRepairRunner& runner) {
  for (int turns = 0; turns < 100000; ++turns) {
    runner.RunOnce();
    if (!runner.running() && runner.record().state == RepairRecord::State::kFinished) return;
  }
  FAIL() << "the pass did not finish";
}

TEST(StorageRepairRunnerTest, APassRunsOnOneFrontendOnlyAndRestoresAWipedNode) {
  FakeFarm farm("runner-wiped", 3);
  farm.PutBlobs(200);
  auto first = farm.NewRunner("frontend a");
  auto second = farm.NewRunner("frontend b");
  first->RunOnce();  // Takes the lease and starts: no pass has run over this ring.
  ASSERT_TRUE(first->running());
  second->RunOnce();
  EXPECT_FALSE(second->running());
  RunPass(*first);
  EXPECT_EQ(first->record().counters.copies_made, 0);
  EXPECT_TRUE(first->record().complete);
  // A wiped disk waits for the periodic pass; a pass right after a finished one is not due.
  farm.node(1).Clear();
  first->RunOnce();
  EXPECT_FALSE(first->running());
  second->RunOnce();
  EXPECT_FALSE(second->running());
  EXPECT_GT(farm.UnderReplicated(), 0);
}

TEST(StorageRepairRunnerTest, ANodeRemovedFromTheRingStartsAPassThatRestoresTwoCopies) {
  FakeFarm farm("runner-removed", 4);
  farm.PutBlobs(300);
  auto runner = farm.NewRunner("frontend a");
  RunPass(*runner);
  ASSERT_TRUE(farm.directory().Remove("grpc://node-2:8981").ok());
  EXPECT_GT(farm.UnderReplicated(), 0);
  runner->RunOnce();
  EXPECT_TRUE(runner->running());
  RunPass(*runner);
  EXPECT_EQ(farm.UnderReplicated(), 0);
  const RepairRecord record = RepairRecordStore(Redis(), farm.key_namespace()).Load().value();
  EXPECT_EQ(record.state, RepairRecord::State::kFinished);
  EXPECT_TRUE(record.complete);
  EXPECT_GT(record.counters.copies_made, 0);
  EXPECT_EQ(record.counters.blobs_scanned, 300);
  // The status query sees the ring and the pass.
  auto status = QueryStorageRing(farm.directory(), Redis(), farm.key_namespace(),
                                 [&](const std::string& name) -> StatusOr<std::shared_ptr<BlobLister>> {
                                   const size_t i = static_cast<size_t>(name[12] - '0');
                                   return std::shared_ptr<BlobLister>(&farm.node(i), [](BlobLister*) {});
                                 });
  ASSERT_TRUE(status.ok()) << status.status().ToString();
  ASSERT_EQ(status->nodes.size(), 3u);
  int64_t blobs = 0;
  for (const StorageNodeStatus& node : status->nodes) blobs += node.blobs;
  EXPECT_EQ(blobs, 600);
  EXPECT_EQ(status->repair_holder, "frontend a");
  EXPECT_EQ(status->repair.counters.copies_made, record.counters.copies_made);
  const std::vector<std::string> lines = FormatStorageRingStatus(*status);
  EXPECT_EQ(lines.size(), 5u);
  EXPECT_NE(lines.back().find("repair pass: finished, 100.0%"), std::string::npos) << lines.back();
}

TEST(StorageRepairRunnerTest, AnotherFrontendGoesOnFromTheSavedCursor) {
  FakeFarm farm("runner-resume", 3);
  farm.PutBlobs(400);
  farm.node(0).Clear();
  auto first = farm.NewRunner("frontend a");
  first->RunOnce();
  ASSERT_TRUE(first->running());
  while (first->record().counters.blobs_scanned < 150) first->RunOnce();
  const int64_t scanned_by_first = first->record().counters.blobs_scanned;
  first.reset();  // Saves its cursor and gives the lease up, as a frontend shutting down.
  const RepairRecord saved = RepairRecordStore(Redis(), farm.key_namespace()).Load().value();
  EXPECT_EQ(saved.state, RepairRecord::State::kRunning);
  EXPECT_FALSE(saved.cursor.empty());
  auto second = farm.NewRunner("frontend b");
  second->RunOnce();
  ASSERT_TRUE(second->running());
  EXPECT_EQ(second->record().started, saved.started);  // The same pass, resumed.
  RunPass(*second);
  EXPECT_EQ(farm.UnderReplicated(), 0);
  // The second frontend scanned only what lay past the cursor (at most a page per node
  // again: what the first had merged but not yet copied).
  const int64_t total = second->record().counters.blobs_scanned;
  EXPECT_GE(total, 400);
  EXPECT_LE(total, 400 + 3 * 16);
  EXPECT_GE(scanned_by_first, 150);
}

}  // namespace
}  // namespace kiln
