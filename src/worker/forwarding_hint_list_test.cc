#include "worker/forwarding_hint_list.h"

#include <gtest/gtest.h>

#include <thread>

#include "common/hasher.h"

namespace kiln {
namespace {

BlobHint Hint(const std::string& data, const std::string& owner) {
  return {ComputeDigest(DigestFunction::kSha256, data), owner};
}

std::vector<std::string> Owners(const std::vector<BlobHint>& hints) {
  std::vector<std::string> owners;
  for (const BlobHint& hint : hints) owners.push_back(hint.owner);
  return owners;
}


TEST(ForwardingHintListTest, KeepsEachHintLocallyAndQueuesItForTheFrontend) {
  ForwardingHintList hints(std::make_unique<MemoryHintList>(100), 100);
  EXPECT_TRUE(hints.Add(Hint("a", "n1")));
  EXPECT_TRUE(hints.Add(Hint("b", "n2")));
  EXPECT_EQ(hints.Size(), 2);
  EXPECT_EQ(hints.stats().queued, 2);
  // Both ways have every hint: the worker's handoff pass and the frontend's list.
  EXPECT_EQ(Owners(hints.TakeQueued(10)), (std::vector<std::string>{"n1", "n2"}));
  EXPECT_EQ(hints.Take(10).size(), 2u);
  EXPECT_EQ(hints.Size(), 0);
}

TEST(ForwardingHintListTest, SendsInBatchesOfAtMostTheAskedSize) {
  ForwardingHintList hints(std::make_unique<MemoryHintList>(100), 100);
  for (int i = 0; i < 5; ++i) hints.Add(Hint("blob" + std::to_string(i), "n1"));
  EXPECT_EQ(hints.TakeQueued(2).size(), 2u);
  EXPECT_EQ(hints.TakeQueued(2).size(), 2u);
  EXPECT_EQ(hints.TakeQueued(2).size(), 1u);
  EXPECT_TRUE(hints.TakeQueued(2).empty());
}

TEST(ForwardingHintListTest, AHintAddedAgainByTheHandoffPassIsNotSentTwice) {
  ForwardingHintList hints(std::make_unique<MemoryHintList>(100), 100);
  hints.Add(Hint("a", "n1"));
  ASSERT_EQ(hints.TakeQueued(10).size(), 1u);
  // The worker's pass takes it, finds the owner still down, and adds it again.
  ASSERT_EQ(hints.Take(10).size(), 1u);
  EXPECT_TRUE(hints.Add(Hint("a", "n1")));
  EXPECT_EQ(hints.Size(), 1);
  EXPECT_TRUE(hints.TakeQueued(10).empty());
  // The same blob for another owner is another hint.
  hints.Add(Hint("a", "n2"));
  EXPECT_EQ(Owners(hints.TakeQueued(10)), (std::vector<std::string>{"n2"}));
}

TEST(ForwardingHintListTest, ANewFrontendGetsTheHintsStillUndelivered) {
  ForwardingHintList hints(std::make_unique<MemoryHintList>(100), 100);
  hints.Add(Hint("a", "n1"));
  ASSERT_EQ(hints.TakeQueued(10).size(), 1u);
  hints.FrontendChanged();
  hints.Add(Hint("a", "n1"));  // The worker's handoff pass, owner still down.
  EXPECT_EQ(hints.TakeQueued(10).size(), 1u);
}

TEST(ForwardingHintListTest, HintsNotSentGoFirstAgain) {
  ForwardingHintList hints(std::make_unique<MemoryHintList>(100), 100);
  hints.Add(Hint("a", "n1"));
  hints.Add(Hint("b", "n2"));
  std::vector<BlobHint> taken = hints.TakeQueued(1);
  hints.Add(Hint("c", "n3"));
  hints.Requeue(std::move(taken));
  EXPECT_EQ(Owners(hints.TakeQueued(10)), (std::vector<std::string>{"n1", "n2", "n3"}));
}

TEST(ForwardingHintListTest, TheQueueIsBoundedAndCountsWhatItDrops) {
  ForwardingHintList hints(std::make_unique<MemoryHintList>(100), 2);
  for (int i = 0; i < 5; ++i) hints.Add(Hint("blob" + std::to_string(i), "n1"));
  EXPECT_EQ(hints.stats().queued, 2);
  EXPECT_EQ(hints.stats().dropped, 3);
  EXPECT_EQ(hints.Size(), 5);  // The local list has its own bound.
}

TEST(ForwardingHintListTest, AFullLocalListStillQueuesForTheFrontend) {
  ForwardingHintList hints(std::make_unique<MemoryHintList>(1), 100);
  EXPECT_TRUE(hints.Add(Hint("a", "n1")));
  EXPECT_FALSE(hints.Add(Hint("b", "n1")));
  EXPECT_EQ(hints.TakeQueued(10).size(), 2u);
}

TEST(ForwardingHintListTest, WaitingEndsWhenAHintIsQueuedOrTheSenderStops) {
  ForwardingHintList hints(std::make_unique<MemoryHintList>(100), 100);
  EXPECT_FALSE(hints.WaitForQueued(std::chrono::milliseconds(1)));
  std::thread adder([&hints] { hints.Add(Hint("a", "n1")); });
  EXPECT_TRUE(hints.WaitForQueued(std::chrono::seconds(30)));
  adder.join();
  hints.TakeQueued(10);
  hints.StopWaiting();
  const auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(hints.WaitForQueued(std::chrono::seconds(30)));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
}

}  // namespace
}  // namespace kiln
