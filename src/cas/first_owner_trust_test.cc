// FindMissing taking a proven first owner at its word that it lacks a blob
// (cas/first_owner_trust.h), through the replicated store over fake nodes.
#include "cas/first_owner_trust.h"

#include "cas/replicated_blob_store_fixture.h"

namespace kiln {
namespace testing_fixture {
namespace {

class FirstOwnerTrustTest : public ReplicatedBlobStoreTest {
 protected:
  // Every other FindMissing confirms with the other owners (the first one does); one clean
  // confirmation earns trust, lost for a minute.
  void SetUp() override {
    Open(4, {.handoff_interval = Duration::zero()}, Duration::zero(),
         {.enabled = true, .distrust_for = std::chrono::minutes(1), .proof = 1, .confirm_one_in = 2});
    absent_ = ComputeDigest(DigestFunction::kSha256, "never written");
    first_owner_ = Order(absent_)[0];
  }

  // Node calls one FindMissing of `digests` made.
  int LookupsOf(const std::vector<Digest>& digests, std::vector<Digest>* missing = nullptr) {
    const int before = Lookups();
    auto answer = store_->FindMissingOrError(digests);
    EXPECT_TRUE(answer.ok()) << answer.status().ToString();
    if (missing != nullptr && answer.ok()) *missing = *answer;
    return Lookups() - before;
  }

  // A blob written to both its owners, the first of which is `first_owner_`.
  Digest PutOnFirstOwner() {
    for (int seed = 0;; ++seed) {
      const std::string data = Bytes(64, 1000 + seed);
      const Digest digest = ComputeDigest(DigestFunction::kSha256, data);
      if (Order(digest)[0] == first_owner_) return Put(data);
    }
  }

  Digest absent_;
  size_t first_owner_ = 0;
};

TEST_F(FirstOwnerTrustTest, AProvenFirstOwnerIsTakenAtItsWordAndACaughtOneIsNot) {
  // Not trusted yet: both owners are asked; their agreement is the proof.
  EXPECT_EQ(LookupsOf({absent_}), 2);
  std::vector<Digest> missing;
  EXPECT_EQ(LookupsOf({absent_}, &missing), 1);
  EXPECT_EQ(missing, std::vector<Digest>{absent_});
  // The first owner loses a copy its second owner keeps. The next confirming call finds it,
  // and reports the blob present.
  const Digest lost = PutOnFirstOwner();
  Node(first_owner_).Lose(lost);
  EXPECT_EQ(LookupsOf({lost}, &missing), 2);
  EXPECT_TRUE(missing.empty());
  // Caught: every owner is asked again, confirming call or not, for a minute; the clean
  // confirmations meanwhile prove it again for when the minute is over.
  EXPECT_EQ(LookupsOf({absent_}), 2);
  EXPECT_EQ(LookupsOf({absent_}), 2);
  clock_.Advance(std::chrono::minutes(2));
  EXPECT_EQ(LookupsOf({absent_}), 1);
}

TEST_F(FirstOwnerTrustTest, ANodeWhoseCallFailedIsNotTrustedForAWhile) {
  EXPECT_EQ(LookupsOf({absent_}), 2);
  EXPECT_EQ(LookupsOf({absent_}), 1);
  // A failed call (it may have restarted without its data) costs the node its trust.
  Node(first_owner_).set_mode(Mode::kRefuse);
  (void)store_->FindMissingOrError({absent_});
  Node(first_owner_).set_mode(Mode::kHealthy);
  EXPECT_EQ(LookupsOf({absent_}), 2);
  EXPECT_EQ(LookupsOf({absent_}), 2);
  clock_.Advance(std::chrono::minutes(2));
  EXPECT_EQ(LookupsOf({absent_}), 1);
}

TEST_F(FirstOwnerTrustTest, ConfirmedLookupsAlwaysAskEveryOwner) {
  EXPECT_EQ(LookupsOf({absent_}), 2);
  EXPECT_EQ(LookupsOf({absent_}), 1);
  const int before = Lookups();
  EXPECT_EQ(store_->FindMissingConfirmed({absent_}), std::vector<Digest>{absent_});
  EXPECT_EQ(Lookups() - before, 2);
}

TEST_F(FirstOwnerTrustTest, OffAsksEveryOwnerEveryTime) {
  Open(4, {.handoff_interval = Duration::zero()}, Duration::zero(), {.enabled = false});
  for (int i = 0; i < 5; ++i) EXPECT_EQ(LookupsOf({absent_}), 2);
}

}  // namespace
}  // namespace testing_fixture
}  // namespace kiln
