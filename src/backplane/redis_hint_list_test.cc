#include "backplane/redis_hint_list.h"

#include <gtest/gtest.h>

#include <set>
#include <unistd.h>

#include "common/hasher.h"
#include "testing/redis_backplane_for_tests.h"

namespace kiln {
namespace {

using testing_support::RedisBackplaneForTests;

BlobHint HintOf(const std::string& data, const std::string& owner) {
  return {ComputeDigest(DigestFunction::kSha256, data), owner};
}

std::string FreshNamespace() {
  static int next = 0;
  return "hints-" + std::to_string(::getpid()) + "-" + std::to_string(next++);
}

TEST(RedisHintListTest, AHintWrittenByOneFrontendIsTakenByAnotherAndOnlyOnce) {
  auto& redis = RedisBackplaneForTests::Get().client();
  const std::string ns = FreshNamespace();
  RedisHintList writer(&redis, ns, 100);
  RedisHintList first(&redis, ns, 100), second(&redis, ns, 100);
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(writer.Add(HintOf("blob " + std::to_string(i), "grpc://127.0.0.1:9")));
  EXPECT_TRUE(writer.Add(HintOf("blob 0", "grpc://127.0.0.1:9")));  // Listed once.
  EXPECT_EQ(writer.Size(), 10);
  std::vector<BlobHint> a = first.Take(6);
  std::vector<BlobHint> b = second.Take(6);
  EXPECT_EQ(a.size() + b.size(), 10u);
  std::set<std::string> seen;
  for (const auto* batch : {&a, &b}) {
    for (const BlobHint& hint : *batch) {
      EXPECT_EQ(hint.owner, "grpc://127.0.0.1:9");
      EXPECT_TRUE(seen.insert(hint.digest.ToString()).second) << "taken twice: " << hint.digest.ToString();
    }
  }
  EXPECT_TRUE(seen.contains(ComputeDigest(DigestFunction::kSha256, "blob 7").ToString()));
  EXPECT_EQ(writer.Size(), 0);
}

TEST(RedisHintListTest, AFullListDropsNewHints) {
  auto& redis = RedisBackplaneForTests::Get().client();
  RedisHintList list(&redis, FreshNamespace(), 2);
  EXPECT_TRUE(list.Add(HintOf("a", "n1")));
  EXPECT_TRUE(list.Add(HintOf("b", "n1")));
  EXPECT_FALSE(list.Add(HintOf("c", "n1")));
  EXPECT_TRUE(list.Add(HintOf("a", "n1")));  // Already there: nothing to drop.
  EXPECT_EQ(list.Size(), 2);
}

TEST(RedisHintListTest, ManyHintsAreListedInOneCallUpToTheCap) {
  auto& redis = RedisBackplaneForTests::Get().client();
  RedisHintList list(&redis, FreshNamespace(), 1500);
  ASSERT_TRUE(list.Add(HintOf("blob 3", "n1")));
  std::vector<BlobHint> hints;
  for (int i = 0; i < 2000; ++i) hints.push_back(HintOf("blob " + std::to_string(i), "n1"));
  // "blob 3" was listed already; 1,499 more fit under the cap of 1,500; the rest are dropped.
  EXPECT_EQ(list.AddAll(hints), 1500u);
  EXPECT_EQ(list.Size(), 1500);
  EXPECT_EQ(list.AddAll({}), 0u);
  // One listed already counts as listed; one beyond the cap is dropped.
  EXPECT_EQ(list.AddAll({HintOf("blob 0", "n1"), HintOf("blob 1999", "n1")}), 1u);
}

TEST(RedisHintListTest, HintsRoundTripThroughTheirEncodingAndJunkIsRefused) {
  const BlobHint hint{ComputeDigest(DigestFunction::kBlake3, "x"), "grpcs://storage-1.example:8981"};
  auto decoded = DecodeHint(EncodeHint(hint));
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(decoded->digest, hint.digest);
  EXPECT_EQ(decoded->owner, hint.owner);
  for (const char* junk : {"", "owner", "owner 0 abc", "owner 99 " "0000 1", "owner x y z", " 0 abc 1", "o 0 nothex 1"}) {
    EXPECT_FALSE(DecodeHint(junk).has_value()) << junk;
  }
}

}  // namespace
}  // namespace kiln
