#include "auth/jwt_cache.h"

#include <gtest/gtest.h>

namespace kiln {
namespace {

using std::chrono::seconds;

WallTimePoint At(int64_t s) { return WallTimePoint(seconds(s)); }

std::shared_ptr<const Principal> Named(std::string name) {
  return std::make_shared<const Principal>(Principal{std::move(name), {}});
}

TEST(JwtCacheTest, ServesUntilExpiry) {
  JwtCache cache(10);
  TokenDigest token = Sha256Token("t1");
  EXPECT_EQ(cache.Find(token, At(100)), nullptr);
  auto alice = Named("alice");
  cache.Insert(token, alice, At(200), At(100));
  EXPECT_EQ(cache.Find(token, At(150)), alice);
  EXPECT_EQ(cache.Find(token, At(200)), alice);
  EXPECT_EQ(cache.Find(token, At(201)), nullptr);
  EXPECT_EQ(cache.size(), 0u);  // Dropped once seen expired.
}

TEST(JwtCacheTest, StaysWithinItsBoundDroppingExpiredFirstThenOldest) {
  JwtCache cache(3);
  cache.Insert(Sha256Token("old"), Named("old"), At(1000), At(0));
  cache.Insert(Sha256Token("short"), Named("short"), At(10), At(0));
  cache.Insert(Sha256Token("mid"), Named("mid"), At(1000), At(0));
  // Full: the expired entry goes, not the oldest.
  cache.Insert(Sha256Token("new"), Named("new"), At(1000), At(20));
  EXPECT_EQ(cache.size(), 3u);
  EXPECT_NE(cache.Find(Sha256Token("old"), At(20)), nullptr);
  // Full and nothing expired: the oldest goes.
  cache.Insert(Sha256Token("newer"), Named("newer"), At(1000), At(20));
  EXPECT_EQ(cache.size(), 3u);
  EXPECT_EQ(cache.Find(Sha256Token("old"), At(20)), nullptr);
  EXPECT_NE(cache.Find(Sha256Token("mid"), At(20)), nullptr);
  EXPECT_NE(cache.Find(Sha256Token("newer"), At(20)), nullptr);
}

TEST(JwtCacheTest, ManyShortLivedTokensKeepItBounded) {
  JwtCache cache(8);
  cache.Insert(Sha256Token("long-lived"), Named("keep"), At(1'000'000), At(0));
  for (int i = 0; i < 10'000; ++i) {
    TokenDigest token = Sha256Token("t" + std::to_string(i));
    cache.Insert(token, Named("p"), At(i + 1), At(i));
    EXPECT_NE(cache.Find(token, At(i)), nullptr);
    EXPECT_LE(cache.size(), 8u);
  }
}

TEST(JwtCacheTest, ZeroEntriesCachesNothing) {
  JwtCache cache(0);
  cache.Insert(Sha256Token("t"), Named("p"), At(100), At(0));
  EXPECT_EQ(cache.Find(Sha256Token("t"), At(0)), nullptr);
}

}  // namespace
}  // namespace kiln
