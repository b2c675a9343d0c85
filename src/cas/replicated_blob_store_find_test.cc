// FindMissing and background repairs of the replicated CAS.
#include "cas/replicated_blob_store_fixture.h"

namespace kiln {
namespace testing_fixture {
namespace {

// --- FindMissing ---

TEST_F(ReplicatedBlobStoreTest, FindMissingAsksTheFirstOwnersThenTheOthersAboutWhatIsNotFound) {
  std::vector<Digest> digests;
  for (int i = 0; i < 50; ++i) digests.push_back(Put(Bytes(64, 100 + i)));
  auto lookups = [&] {
    int total = 0;
    for (auto& node : nodes_) total += node->lookups();
    return total;
  };
  // Present blobs: one batched call to each node that is a first owner, nothing more.
  int before = lookups();
  auto missing = store_->FindMissingOrError(digests);
  ASSERT_TRUE(missing.ok());
  EXPECT_TRUE(missing->empty());
  EXPECT_EQ(lookups() - before, 4);
  // A missing blob is asked about on its second owner too.
  const Digest absent = ComputeDigest(DigestFunction::kSha256, "absent");
  digests.push_back(absent);
  digests.push_back(digests.front());  // Duplicates are answered like the local stores do.
  before = lookups();
  missing = store_->FindMissingOrError(digests);
  ASSERT_TRUE(missing.ok());
  EXPECT_EQ(*missing, std::vector<Digest>{absent});
  EXPECT_EQ(lookups() - before, 5);
  // Listed twice, missing twice, as the local stores answer.
  EXPECT_EQ(store_->FindMissingOrError({absent, digests[3], absent}).value(), (std::vector<Digest>{absent, absent}));
  // A blob only its second owner has is present.
  const Digest second_only = digests[7];
  Node(Order(second_only)[0]).Lose(second_only);
  EXPECT_TRUE(store_->FindMissingOrError({second_only})->empty());
}

TEST_F(ReplicatedBlobStoreTest, FindMissingLooksForHintedCopiesWhenAnOwnerCannotAnswer) {
  const std::string data = Bytes(100, 14);
  const Digest digest = ComputeDigest(DigestFunction::kSha256, data);
  const std::vector<size_t> order = Order(digest);
  Node(order[0]).set_mode(Mode::kRefuse);
  ASSERT_TRUE(WriteBlob(*store_, digest, data).ok());
  Node(order[1]).Lose(digest);  // Only the hinted copy on order[2] is left.
  auto missing = store_->FindMissingOrError({digest});
  ASSERT_TRUE(missing.ok()) << missing.status().ToString();
  EXPECT_TRUE(missing->empty());
  Node(order[2]).Lose(digest);
  EXPECT_EQ(store_->FindMissingOrError({digest}).value(), std::vector<Digest>{digest});
}

TEST_F(ReplicatedBlobStoreTest, FindMissingIsUnavailableOnlyWhenNoNodeCouldAnswer) {
  const Digest digest = Put(Bytes(100, 15));
  Node(Order(digest)[0]).set_mode(Mode::kHang);
  const auto start = std::chrono::steady_clock::now();
  auto missing = store_->FindMissingOrError({digest});
  ASSERT_TRUE(missing.ok()) << missing.status().ToString();
  EXPECT_TRUE(missing->empty());
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  for (auto& node : nodes_) node->set_mode(Mode::kRefuse);
  EXPECT_EQ(store_->FindMissingOrError({digest}).status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(store_->FindMissing({digest}), std::vector<Digest>{digest});
}

TEST_F(ReplicatedBlobStoreTest, FindMissingAnswersFromWhatNodesSaidWithinTheTtl) {
  Open(4, {.handoff_interval = Duration::zero()}, std::chrono::seconds(30));
  std::vector<Digest> digests;
  for (int i = 0; i < 50; ++i) digests.push_back(Put(Bytes(64, 200 + i)));
  const Digest absent = ComputeDigest(DigestFunction::kSha256, "absent");
  digests.push_back(absent);
  EXPECT_EQ(store_->FindMissingOrError(digests).value(), std::vector<Digest>{absent});
  // Within the ttl only the blob no node had is asked about again (on its two owners).
  int before = Lookups();
  EXPECT_EQ(store_->FindMissingOrError(digests).value(), std::vector<Digest>{absent});
  EXPECT_EQ(Lookups() - before, 2);
  // Even a blob lost meanwhile: its node pinned it, and the record vouches no longer than that.
  Node(Order(digests[0])[0]).Lose(digests[0]);
  EXPECT_TRUE(store_->FindMissingOrError({digests[0]})->empty());
  // FindMissingConfirmed always asks.
  EXPECT_EQ(store_->FindMissingConfirmed({digests[0]}), std::vector<Digest>{});  // The second owner has it.
  Node(Order(digests[0])[1]).Lose(digests[0]);
  EXPECT_EQ(store_->FindMissingConfirmed({digests[0]}), std::vector<Digest>{digests[0]});
  // Past the ttl the nodes are asked again.
  clock_.Advance(std::chrono::seconds(30));
  before = Lookups();
  digests.pop_back();
  auto missing = store_->FindMissingOrError(digests);
  EXPECT_EQ(missing.value(), std::vector<Digest>{digests[0]});
  EXPECT_GE(Lookups() - before, 4);
}

TEST_F(ReplicatedBlobStoreTest, AFailedCallToANodeWithdrawsItsPresentAnswers) {
  Open(4, {.handoff_interval = Duration::zero()}, std::chrono::seconds(30));
  const Digest digest = Put(Bytes(100, 16));
  const std::vector<size_t> order = Order(digest);
  ASSERT_TRUE(store_->FindMissingOrError({digest})->empty());
  // The first owner dies (a read finds it down), and the other owner had lost its copy.
  Node(order[0]).set_mode(Mode::kRefuse);
  Node(order[1]).Lose(digest);
  EXPECT_FALSE(store_->OpenRead(digest, 0).ok());
  EXPECT_EQ(store_->FindMissingOrError({digest}).value(), std::vector<Digest>{digest});
}

TEST_F(ReplicatedBlobStoreTest, DeletedBlobIsNotReportedPresentFromTheRecord) {
  Open(4, {.handoff_interval = Duration::zero()}, std::chrono::seconds(30));
  const Digest digest = Put(Bytes(100, 17));
  ASSERT_TRUE(store_->FindMissingOrError({digest})->empty());
  ASSERT_TRUE(store_->Delete(digest).ok());
  EXPECT_EQ(store_->FindMissingOrError({digest}).value(), std::vector<Digest>{digest});
}

// --- Repairs ---

TEST_F(ReplicatedBlobStoreTest, RepairQueueIsBoundedAndCountsWhatItDrops) {
  ReplicaRepairOptions repair;
  repair.threads = 1;
  repair.max_queued = 1;
  repair.handoff_interval = Duration::zero();
  Open(4, repair);
  const Digest digest = Put(Bytes(100, 16));
  const size_t target = Order(digest)[0];
  Node(target).set_mode(Mode::kHang);  // The first repair blocks the only thread.
  for (int i = 0; i < 5; ++i) {
    store_->repairer().Schedule(ComputeDigest(DigestFunction::kSha256, Bytes(10, 200 + i)), target, std::nullopt);
  }
  EXPECT_GE(store_->repairer().stats().dropped, 3);
  Node(target).set_mode(Mode::kHealthy);
  store_->repairer().WaitIdle();
}

}  // namespace
}  // namespace testing_fixture
}  // namespace kiln
