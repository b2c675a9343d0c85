// ReplicatedBlobStore::ReadBlobs: small blobs in one batched read per first owner, and what
// the first owners could not serve from the next nodes, repaired as single reads are.
#include "cas/replicated_blob_store_fixture.h"

namespace kiln {
namespace testing_fixture {
namespace {

class ReplicatedBatchReadTest : public ReplicatedBlobStoreTest {
 protected:
  int ReadBatches() const {
    int total = 0;
    for (const auto& node : nodes_) total += node->read_batches();
    return total;
  }
  // `count` blobs written to both owners, all with the same first owner.
  std::vector<std::pair<Digest, std::string>> PutWithFirstOwner(size_t first, int count) {
    std::vector<std::pair<Digest, std::string>> blobs;
    for (int seed = 0; static_cast<int>(blobs.size()) < count; ++seed) {
      std::string data = Bytes(100, 5000 + seed);
      const Digest digest = ComputeDigest(DigestFunction::kSha256, data);
      if (Order(digest)[0] != first) continue;
      Put(data);
      blobs.emplace_back(digest, std::move(data));
    }
    return blobs;
  }
};

TEST_F(ReplicatedBatchReadTest, AsksEachFirstOwnerOnceAndAnswersInOrder) {
  std::vector<Digest> digests;
  std::vector<std::string> contents;
  std::set<size_t> first_owners;
  for (int i = 0; i < 40; ++i) {
    contents.push_back(Bytes(64 + i, 300 + i));
    digests.push_back(Put(contents.back()));
    first_owners.insert(Order(digests.back())[0]);
  }
  // Larger than whole_read_bytes: read on its own, streamed.
  contents.push_back(Bytes(5000, 7));
  digests.push_back(Put(contents.back()));
  const Digest empty = ComputeDigest(DigestFunction::kSha256, "");
  const Digest absent = ComputeDigest(DigestFunction::kSha256, "absent");
  digests.push_back(empty);
  digests.push_back(absent);
  digests.push_back(digests.front());  // Twice.

  const int before = ReadBatches();
  std::vector<StatusOr<std::string>> blobs = store_->ReadBlobs(digests);
  ASSERT_EQ(blobs.size(), digests.size());
  for (size_t i = 0; i < contents.size(); ++i) {
    ASSERT_TRUE(blobs[i].ok()) << i << ": " << blobs[i].status().ToString();
    EXPECT_EQ(*blobs[i], contents[i]) << i;
  }
  EXPECT_EQ(blobs[contents.size()].value(), "");
  EXPECT_EQ(blobs[contents.size() + 1].status().code(), StatusCode::kNotFound);
  EXPECT_EQ(blobs.back().value(), contents.front());
  // One batch per first owner, the absent blob's included (its other owner is then asked
  // on its own, not in a batch).
  EXPECT_EQ(ReadBatches() - before, static_cast<int>(first_owners.size() + (first_owners.count(Order(absent)[0]) ? 0 : 1)));
}

TEST_F(ReplicatedBatchReadTest, ALostOrCorruptFirstCopyIsServedFromTheNextOwnerAndRepaired) {
  const auto blobs = PutWithFirstOwner(2, 2);
  const auto& [lost, lost_data] = blobs[0];
  const auto& [corrupt, corrupt_data] = blobs[1];
  Node(2).Lose(lost);
  Node(2).CorruptReadsOf(corrupt);
  std::vector<StatusOr<std::string>> read = store_->ReadBlobs({lost, corrupt});
  ASSERT_TRUE(read[0].ok()) << read[0].status().ToString();
  ASSERT_TRUE(read[1].ok()) << read[1].status().ToString();
  EXPECT_EQ(*read[0], lost_data);
  EXPECT_EQ(*read[1], corrupt_data);
  store_->repairer().WaitIdle();
  EXPECT_TRUE(Node(2).Has(lost));
  EXPECT_EQ(Copies(lost), 2);
  EXPECT_GE(store_->repairer().stats().repaired, 2);
}

TEST_F(ReplicatedBatchReadTest, AHungFirstOwnerCostsOneDeadlineNotOnePerBlob) {
  const auto blobs = PutWithFirstOwner(1, 20);
  Node(1).set_mode(Mode::kHang);
  std::vector<Digest> digests;
  for (const auto& blob : blobs) digests.push_back(blob.first);
  const auto start = std::chrono::steady_clock::now();
  std::vector<StatusOr<std::string>> read = store_->ReadBlobs(digests);
  const auto took = std::chrono::steady_clock::now() - start;
  for (size_t i = 0; i < blobs.size(); ++i) {
    ASSERT_TRUE(read[i].ok()) << read[i].status().ToString();
    EXPECT_EQ(*read[i], blobs[i].second);
  }
  // One deadline (kTimeout) for the batch; each blob then goes to its second owner.
  EXPECT_LT(took, 4 * kTimeout);
}

}  // namespace
}  // namespace testing_fixture
}  // namespace kiln
