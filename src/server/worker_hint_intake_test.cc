#include "server/worker_hint_intake.h"

#include <gtest/gtest.h>

#include "cas/rendezvous_ring.h"
#include "common/hasher.h"
#include "common/proto_digest.h"
#include "metrics/metric_registry.h"
#include "worker/storage_hint_message.h"

namespace kiln {
namespace {

namespace wire = ::kiln::worker::v1;

// The fixture's ring: three nodes, two owners of each blob.
const std::vector<RingNode> kNodes = {{"grpc://a:1", 1.0}, {"grpc://b:1", 1.0}, {"grpc://c:1", 1.0}};

// Whether `owner` is one of the two owners of `digest` in the fixture's ring.
bool Owns(const std::string& owner, const Digest& digest) {
  const RendezvousRing ring = RendezvousRing::Create(kNodes).value();
  for (size_t node : ring.Owners(digest, 2)) {
    if (ring.nodes()[node].name == owner) return true;
  }
  return false;
}

// A hint of a blob that `owner` (if of the fixture's ring) owns: the blob's bytes are `text`,
// or `text` with a suffix that makes it so.
BlobHint Hint(const std::string& text, const std::string& owner) {
  for (int k = 0;; ++k) {
    const Digest digest = ComputeDigest(DigestFunction::kSha256, k == 0 ? text : text + "#" + std::to_string(k));
    bool known = false;
    for (const RingNode& node : kNodes) known = known || node.name == owner;
    if (!known || Owns(owner, digest)) return {digest, owner};
  }
}

class WorkerHintIntakeTest : public ::testing::Test {
 protected:
  WorkerHintIntakeTest() {
    StorageRingConfig ring;
    ring.replicas = 2;
    ring.nodes = kNodes;
    rings_.Publish(ring);
  }
  // The hints' owners, as the frontend's handoff pass will find them.
  std::vector<std::string> Listed() {
    std::vector<std::string> owners;
    for (const BlobHint& hint : hints_.Take(100000)) owners.push_back(hint.owner);
    return owners;
  }
  uint64_t Metric(const std::string& outcome) { return counter_.WithLabels({outcome}).Value(); }

  StorageRingPublisher rings_;
  MemoryHintList hints_{100000};
  metrics::MetricRegistry registry_;
  metrics::Family<metrics::Counter>& counter_ =
      registry_.AddCounter("kiln_test_hints_total", "Hints by outcome.", {"outcome"});
  WorkerHintIntake intake_{&rings_, &hints_, &counter_};
};

TEST_F(WorkerHintIntakeTest, ListsTheHintsOfTheRingItServes) {
  const wire::StorageHints message = StorageHintsMessage({Hint("x", "grpc://a:1"), Hint("y", "grpc://c:1")});
  // Through the wire format, as a frontend receives it.
  wire::StorageHints parsed;
  ASSERT_TRUE(parsed.ParseFromString(message.SerializeAsString()));
  const WorkerHintCounts counts = intake_.Accept(parsed);
  EXPECT_EQ(counts.listed, 2);
  EXPECT_EQ(counts.refused, 0);
  std::vector<BlobHint> listed = hints_.Take(10);
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[0].digest, Hint("x", "grpc://a:1").digest);
  EXPECT_EQ(listed[0].owner, "grpc://a:1");
  EXPECT_EQ(Metric("listed"), 2u);
}

TEST_F(WorkerHintIntakeTest, RefusesHintsNamingNodesOutsideTheRing) {
  const WorkerHintCounts counts =
      intake_.Accept(StorageHintsMessage({Hint("x", "grpc://elsewhere:1"), Hint("y", "a:1"), Hint("z", "grpc://b:1")}));
  EXPECT_EQ(counts.listed, 1);
  EXPECT_EQ(counts.refused, 2);
  EXPECT_EQ(Listed(), (std::vector<std::string>{"grpc://b:1"}));
  EXPECT_EQ(Metric("refused"), 2u);
}

TEST_F(WorkerHintIntakeTest, RefusesHintsNamingANodeOfTheRingThatDoesNotOwnTheBlob) {
  // A blob node a does not own (it is third in its order): no write would hint a for it.
  Digest not_a;
  for (int k = 0;; ++k) {
    not_a = ComputeDigest(DigestFunction::kSha256, "not a's " + std::to_string(k));
    if (!Owns("grpc://a:1", not_a)) break;
  }
  const WorkerHintCounts counts =
      intake_.Accept(StorageHintsMessage({BlobHint{not_a, "grpc://a:1"}, Hint("z", "grpc://a:1")}));
  EXPECT_EQ(counts.listed, 1);
  EXPECT_EQ(counts.refused, 1);
  EXPECT_EQ(Listed(), (std::vector<std::string>{"grpc://a:1"}));
}

TEST_F(WorkerHintIntakeTest, RefusesHintsWithoutAValidDigestOrOwner) {
  wire::StorageHints message = StorageHintsMessage({Hint("x", "grpc://a:1")});
  auto add = [&message](const std::string& owner, const std::string& hash, int64_t size) {
    auto* hint = message.add_hints();
    hint->set_owner(owner);
    hint->mutable_digest()->set_hash(hash);
    hint->mutable_digest()->set_size_bytes(size);
  };
  const std::string good_hash = Hint("y", "grpc://a:1").digest.hash();
  add("grpc://a:1", "not-hex", 1);
  add("grpc://a:1", good_hash, -1);
  add("grpc://a:1", good_hash.substr(1), 1);
  add("", good_hash, 1);
  // The empty blob is on every node by definition: nothing to hand off.
  *message.add_hints() = StorageHintsMessage({BlobHint{Digest::Empty(DigestFunction::kSha256), "grpc://a:1"}}).hints(0);
  const WorkerHintCounts counts = intake_.Accept(message);
  EXPECT_EQ(counts.listed, 1);
  EXPECT_EQ(counts.refused, 5);
  EXPECT_EQ(Listed().size(), 1u);
}

TEST_F(WorkerHintIntakeTest, TakesAtMostTheCapFromOneMessage) {
  std::vector<BlobHint> many;
  for (size_t i = 0; i < kMaxStorageHintsPerMessage + 10; ++i) many.push_back(Hint(std::to_string(i), "grpc://b:1"));
  const WorkerHintCounts counts = intake_.Accept(StorageHintsMessage(many));
  EXPECT_EQ(counts.listed, static_cast<int64_t>(kMaxStorageHintsPerMessage));
  EXPECT_EQ(counts.refused, 10);
  EXPECT_EQ(Listed().size(), kMaxStorageHintsPerMessage);
}

TEST_F(WorkerHintIntakeTest, FollowsTheRingAsItChanges) {
  StorageRingConfig smaller;
  smaller.replicas = 1;
  smaller.nodes = {{"grpc://b:1", 1.0}};
  rings_.Publish(smaller);
  const WorkerHintCounts counts = intake_.Accept(StorageHintsMessage({Hint("x", "grpc://a:1"), Hint("y", "grpc://b:1")}));
  EXPECT_EQ(counts.listed, 1);
  EXPECT_EQ(counts.refused, 1);
}

TEST_F(WorkerHintIntakeTest, CountsHintsAFullListDrops) {
  MemoryHintList small(1);
  WorkerHintIntake intake(&rings_, &small);
  const WorkerHintCounts counts = intake.Accept(StorageHintsMessage({Hint("x", "grpc://a:1"), Hint("y", "grpc://a:1")}));
  EXPECT_EQ(counts.listed, 1);
  EXPECT_EQ(counts.dropped, 1);
  EXPECT_EQ(intake.totals().dropped, 1);
}

TEST_F(WorkerHintIntakeTest, BeforeAnyRingEveryHintIsRefused) {
  StorageRingPublisher none;
  WorkerHintIntake intake(&none, &hints_);
  EXPECT_EQ(intake.Accept(StorageHintsMessage({Hint("x", "grpc://a:1")})).refused, 1);
  EXPECT_EQ(hints_.Size(), 0);
}

}  // namespace
}  // namespace kiln
