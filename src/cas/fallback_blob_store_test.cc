#include "cas/fallback_blob_store.h"

#include <gtest/gtest.h>

#include "cas/memory_blob_store.h"
#include "common/hasher.h"
#include "testing/faulty_blob_store.h"

namespace kiln {
namespace {

using testing::FaultyBlobStore;

Digest DigestOf(const std::string& data) { return ComputeDigest(DigestFunction::kSha256, data); }

StatusOr<std::string> ReadAll(BlobStore& store, const Digest& digest, size_t chunk) {
  auto reader = store.OpenRead(digest, 0);
  if (!reader.ok()) return reader.status();
  std::string out;
  std::string buffer(chunk, '\0');
  while (true) {
    auto got = (*reader)->Read(buffer.data(), buffer.size());
    if (!got.ok()) return got.status();
    if (*got == 0) return out;
    out.append(buffer.data(), *got);
  }
}

struct Fixture {
  MemoryBlobStore frontend;
  FakeClock clock;
  std::vector<Status> fallbacks;
  FallbackBlobStore store{&frontend, &clock, Options()};

  FallbackBlobStoreOptions Options() {
    FallbackBlobStoreOptions options;
    options.cooldown = std::chrono::seconds(30);
    options.on_fallback = [this](const Status& status) { fallbacks.push_back(status); };
    return options;
  }
};

TEST(FallbackBlobStoreTest, WithoutAPrimaryEveryCallGoesToTheFallback) {
  Fixture f;
  ASSERT_TRUE(WriteBlob(f.store, DigestOf("out"), "out").ok());
  EXPECT_TRUE(ContainsBlob(f.frontend, DigestOf("out")));
  EXPECT_EQ(ReadBlob(f.store, DigestOf("out")).value(), "out");
  EXPECT_TRUE(f.store.FindMissingOrError({DigestOf("out")})->empty());
  EXPECT_EQ(f.store.primary_calls(), 0u);
  EXPECT_FALSE(f.store.has_primary());
}

TEST(FallbackBlobStoreTest, APrimaryServesEverythingItCan) {
  Fixture f;
  auto ring = std::make_shared<MemoryBlobStore>();
  ASSERT_TRUE(WriteBlob(*ring, DigestOf("input"), "input").ok());
  f.store.SetPrimary(ring);
  EXPECT_EQ(ReadBlob(f.store, DigestOf("input")).value(), "input");
  ASSERT_TRUE(WriteBlob(f.store, DigestOf("output"), "output").ok());
  EXPECT_TRUE(ContainsBlob(*ring, DigestOf("output")));
  EXPECT_FALSE(ContainsBlob(f.frontend, DigestOf("output")));
  EXPECT_TRUE(f.store.FindMissingOrError({DigestOf("output")})->empty());
  EXPECT_EQ(f.store.fallback_calls(), 0u);
}

TEST(FallbackBlobStoreTest, NotFoundFromThePrimaryIsAnAnswer) {
  Fixture f;
  f.store.SetPrimary(std::make_shared<MemoryBlobStore>());
  ASSERT_TRUE(WriteBlob(f.frontend, DigestOf("only here"), "only here").ok());
  // The frontend reads the same ring: it would not have it either.
  EXPECT_EQ(ReadBlob(f.store, DigestOf("only here")).status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(f.fallbacks.empty());
}

TEST(FallbackBlobStoreTest, AnUnreachablePrimaryIsLeftAloneForTheCooldown) {
  Fixture f;
  auto ring = std::make_shared<FaultyBlobStore>();
  ASSERT_TRUE(WriteBlob(*ring, DigestOf("a"), "a").ok());
  ASSERT_TRUE(WriteBlob(f.frontend, DigestOf("a"), "a").ok());
  ASSERT_TRUE(WriteBlob(f.frontend, DigestOf("b"), "b").ok());
  ring->set_mode(FaultyBlobStore::Mode::kRefuse);
  f.store.SetPrimary(ring);

  EXPECT_EQ(ReadBlob(f.store, DigestOf("a")).value(), "a");
  ASSERT_EQ(f.fallbacks.size(), 1u);
  EXPECT_EQ(f.fallbacks[0].code(), StatusCode::kUnavailable);
  const int reads = ring->reads();
  EXPECT_EQ(ReadBlob(f.store, DigestOf("b")).value(), "b");
  EXPECT_TRUE(f.store.FindMissingOrError({DigestOf("b")})->empty());
  ASSERT_TRUE(WriteBlob(f.store, DigestOf("c"), "c").ok());
  EXPECT_TRUE(ContainsBlob(f.frontend, DigestOf("c")));
  EXPECT_EQ(ring->reads(), reads);  // Not asked during the cooldown.
  EXPECT_EQ(f.fallbacks.size(), 1u);

  // Back after the cooldown.
  ring->set_mode(FaultyBlobStore::Mode::kHealthy);
  f.clock.Advance(std::chrono::seconds(31));
  ASSERT_TRUE(WriteBlob(f.store, DigestOf("d"), "d").ok());
  EXPECT_TRUE(ContainsBlob(*ring, DigestOf("d")));
  EXPECT_FALSE(ContainsBlob(f.frontend, DigestOf("d")));
}

TEST(FallbackBlobStoreTest, AReadThatFailsMidwayResumesOnTheFallbackAtItsOffset) {
  Fixture f;
  auto ring = std::make_shared<FaultyBlobStore>();
  const std::string data(10000, 'x');
  const Digest digest = DigestOf(data + "y");
  ASSERT_TRUE(WriteBlob(*ring, digest, data + "y").ok());
  ASSERT_TRUE(WriteBlob(f.frontend, digest, data + "y").ok());
  f.store.SetPrimary(ring);
  ring->DieAfterReading(4096);
  EXPECT_EQ(ReadAll(f.store, digest, 1000).value(), data + "y");
  EXPECT_EQ(f.fallbacks.size(), 1u);
}

TEST(FallbackBlobStoreTest, AWriteThatFailsStartsTheCooldown) {
  Fixture f;
  auto ring = std::make_shared<FaultyBlobStore>();
  f.store.SetPrimary(ring);
  ring->DieAfterWriting(1);
  EXPECT_EQ(WriteBlob(f.store, DigestOf("lost"), "lost").code(), StatusCode::kUnavailable);
  // Its retry goes to the frontend.
  ASSERT_TRUE(WriteBlob(f.store, DigestOf("lost"), "lost").ok());
  EXPECT_TRUE(ContainsBlob(f.frontend, DigestOf("lost")));
}

TEST(FallbackBlobStoreTest, ANewPrimaryEndsTheCooldown) {
  Fixture f;
  auto down = std::make_shared<FaultyBlobStore>();
  down->set_mode(FaultyBlobStore::Mode::kRefuse);
  f.store.SetPrimary(down);
  ASSERT_TRUE(WriteBlob(f.store, DigestOf("x"), "x").ok());
  auto up = std::make_shared<MemoryBlobStore>();
  EXPECT_EQ(f.store.SetPrimary(up), down);
  ASSERT_TRUE(WriteBlob(f.store, DigestOf("y"), "y").ok());
  EXPECT_TRUE(ContainsBlob(*up, DigestOf("y")));
}

}  // namespace
}  // namespace kiln
