#include "cas/rendezvous_ring.h"

#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "common/hasher.h"

namespace kiln {
namespace {

std::vector<Digest> ManyDigests(int count) {
  std::vector<Digest> digests;
  digests.reserve(count);
  for (int i = 0; i < count; ++i) digests.push_back(ComputeDigest(DigestFunction::kSha256, "blob " + std::to_string(i)));
  return digests;
}

RendezvousRing Ring(const std::vector<RingNode>& nodes) {
  auto ring = RendezvousRing::Create(nodes);
  EXPECT_TRUE(ring.ok()) << ring.status().ToString();
  return std::move(ring).value();
}

std::vector<RingNode> EqualNodes(int count) {
  std::vector<RingNode> nodes;
  for (int i = 0; i < count; ++i) nodes.push_back({"grpc://storage-" + std::to_string(i) + ":8980", 1.0});
  return nodes;
}

TEST(RendezvousRingTest, PlacementIsAFixedFunctionOfDigestAndNames) {
  // Every process of a farm, of every kiln version, must agree: these orders are pinned.
  const RendezvousRing ring = Ring(EqualNodes(4));
  const Digest digest = ComputeDigest(DigestFunction::kSha256, "pinned");
  const std::vector<size_t> order = ring.Order(digest);
  const RendezvousRing reordered = Ring({ring.nodes()[2], ring.nodes()[0], ring.nodes()[3], ring.nodes()[1]});
  std::vector<std::string> names, reordered_names;
  for (size_t i : order) names.push_back(ring.nodes()[i].name);
  for (size_t i : reordered.Order(digest)) reordered_names.push_back(reordered.nodes()[i].name);
  EXPECT_EQ(names, reordered_names) << "the order of the node list must not matter";
  EXPECT_EQ(names, (std::vector<std::string>{"grpc://storage-0:8980", "grpc://storage-2:8980", "grpc://storage-1:8980",
                                             "grpc://storage-3:8980"}));
}

TEST(RendezvousRingTest, OwnersAreDistinctAndLeadTheOrder) {
  const RendezvousRing ring = Ring(EqualNodes(5));
  for (const Digest& digest : ManyDigests(200)) {
    const std::vector<size_t> order = ring.Order(digest);
    ASSERT_EQ(order.size(), 5u);
    EXPECT_EQ(std::set<size_t>(order.begin(), order.end()).size(), 5u);
    const std::vector<size_t> owners = ring.Owners(digest, 2);
    EXPECT_EQ(owners, std::vector<size_t>(order.begin(), order.begin() + 2));
    EXPECT_EQ(ring.Primary(digest), order[0]);
  }
  EXPECT_EQ(ring.Owners(ManyDigests(1)[0], 9).size(), 5u) << "no more owners than nodes";
}

TEST(RendezvousRingTest, SharesFollowTheWeights) {
  const RendezvousRing ring = Ring({{"a", 1}, {"b", 1}, {"c", 2}, {"d", 4}});
  std::vector<int> primaries(4);
  const std::vector<Digest> digests = ManyDigests(200'000);
  for (const Digest& digest : digests) ++primaries[ring.Primary(digest)];
  const double expected[] = {1.0 / 8, 1.0 / 8, 2.0 / 8, 4.0 / 8};
  for (size_t i = 0; i < 4; ++i) {
    const double share = static_cast<double>(primaries[i]) / digests.size();
    EXPECT_NEAR(share, expected[i], expected[i] * 0.03) << ring.nodes()[i].name;
  }
}

TEST(RendezvousRingTest, AddingANodeMovesOnlyItsShareAndOnlyToIt) {
  const RendezvousRing four = Ring(EqualNodes(4));
  const RendezvousRing five = Ring(EqualNodes(5));
  const std::vector<Digest> digests = ManyDigests(100'000);
  size_t moved_copies = 0;
  for (const Digest& digest : digests) {
    std::vector<std::string> before, after;
    for (size_t i : four.Owners(digest, 2)) before.push_back(four.nodes()[i].name);
    for (size_t i : five.Owners(digest, 2)) after.push_back(five.nodes()[i].name);
    for (const std::string& name : after) {
      if (std::find(before.begin(), before.end(), name) != before.end()) continue;
      EXPECT_EQ(name, five.nodes()[4].name) << "a copy moved between old nodes";
      ++moved_copies;
    }
  }
  // Ideal: the new node's share of all copies, 1/5; within 10% of that.
  const double moved = static_cast<double>(moved_copies) / (2.0 * digests.size());
  EXPECT_NEAR(moved, 0.2, 0.02);
}

TEST(RendezvousRingTest, RemovingANodeMovesOnlyWhatItHeld) {
  const RendezvousRing five = Ring(EqualNodes(5));
  std::vector<RingNode> remaining = EqualNodes(5);
  remaining.erase(remaining.begin() + 1);
  const RendezvousRing four = Ring(remaining);
  const std::vector<Digest> digests = ManyDigests(100'000);
  size_t moved = 0;
  for (const Digest& digest : digests) {
    const std::string before = five.nodes()[five.Primary(digest)].name;
    const std::string after = four.nodes()[four.Primary(digest)].name;
    if (before == after) continue;
    EXPECT_EQ(before, five.nodes()[1].name) << "a blob moved although its owner stayed";
    ++moved;
  }
  EXPECT_NEAR(static_cast<double>(moved) / digests.size(), 0.2, 0.02);
}

TEST(RendezvousRingTest, BadRingsAreRefused) {
  EXPECT_EQ(RendezvousRing::Create({}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(RendezvousRing::Create({{"", 1}}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(RendezvousRing::Create({{"a", 1}, {"a", 2}}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(RendezvousRing::Create({{"a", 0}}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(RendezvousRing::Create({{"a", -1}}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(RendezvousRing::Create({{"a", NAN}}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(RendezvousRing::Create({{"a", INFINITY}}).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace kiln
