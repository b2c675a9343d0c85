#include "cas/small_blob_cache.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "cas/memory_blob_store.h"
#include "common/hasher.h"

namespace kiln {
namespace {

// Counts the reads that reach the store below the cache.
class CountingStore final : public BlobStore {
 public:
  std::vector<Digest> FindMissing(const std::vector<Digest>& digests) override { return base_.FindMissing(digests); }
  StatusOr<std::unique_ptr<BlobReader>> OpenRead(const Digest& digest, int64_t offset) override {
    ++reads;
    return base_.OpenRead(digest, offset);
  }
  StatusOr<std::unique_ptr<BlobWriter>> OpenWrite(const Digest& digest) override { return base_.OpenWrite(digest); }

  std::atomic<int> reads{0};

 private:
  MemoryBlobStore base_;
};

Digest Put(BlobStore& store, const std::string& data) {
  const Digest digest = ComputeDigest(DigestFunction::kSha256, data);
  EXPECT_TRUE(WriteBlob(store, digest, data).ok());
  return digest;
}

std::string ReadFrom(BlobStore& store, const Digest& digest, int64_t offset) {
  auto reader = store.OpenRead(digest, offset);
  EXPECT_TRUE(reader.ok()) << reader.status().ToString();
  std::string out(static_cast<size_t>(digest.size() - offset), '\0');
  EXPECT_EQ(*(*reader)->Read(out.data(), out.size()), out.size());
  return out;
}

TEST(SmallBlobCacheTest, RepeatedReadsOfASmallBlobReachTheBaseOnce) {
  CountingStore base;
  SmallBlobCache cache(&base, SmallBlobCacheOptions());
  const Digest digest = Put(cache, "small and hot");  // Writes go through to the base.
  EXPECT_TRUE(base.FindMissing({digest}).empty());
  EXPECT_EQ(ReadBlob(cache, digest).value(), "small and hot");
  EXPECT_EQ(ReadBlob(cache, digest).value(), "small and hot");
  EXPECT_EQ(ReadFrom(cache, digest, 6), "and hot");
  EXPECT_EQ(base.reads, 1);
  EXPECT_EQ(cache.cached_bytes(), digest.size());
  EXPECT_EQ(cache.misses(), 1);
  EXPECT_EQ(cache.hits(), 2);
}

TEST(SmallBlobCacheTest, LargeBlobsAndErrorsAreNotCached) {
  CountingStore base;
  SmallBlobCacheOptions options;
  options.max_blob_bytes = 8;
  SmallBlobCache cache(&base, options);
  const Digest large = Put(base, "more than eight bytes");
  EXPECT_EQ(ReadBlob(cache, large).value(), "more than eight bytes");
  EXPECT_EQ(ReadBlob(cache, large).value(), "more than eight bytes");
  EXPECT_EQ(base.reads, 2);

  const Digest absent = ComputeDigest(DigestFunction::kSha256, "never stored");
  EXPECT_EQ(cache.OpenRead(absent, 0).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(cache.OpenRead(absent, 0).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(cache.cached_bytes(), 0);
  const Digest small = Put(base, "tiny");
  EXPECT_EQ(cache.OpenRead(small, 5).status().code(), StatusCode::kOutOfRange) << "the base store's own check";
}

TEST(SmallBlobCacheTest, LeastRecentlyReadBlobsLeaveFirstWithinTheBudget) {
  CountingStore base;
  SmallBlobCacheOptions options;
  options.max_bytes = 10;
  SmallBlobCache cache(&base, options);
  const Digest a = Put(base, "aaaa"), b = Put(base, "bbbb"), c = Put(base, "cccc");
  ReadBlob(cache, a).value();
  ReadBlob(cache, b).value();
  ReadBlob(cache, a).value();  // Now b is the least recently read.
  ReadBlob(cache, c).value();  // 12 bytes > 10: b goes.
  EXPECT_LE(cache.cached_bytes(), 10);
  const int before = base.reads;
  ReadBlob(cache, a).value();
  ReadBlob(cache, c).value();
  EXPECT_EQ(base.reads, before) << "a and c are still cached";
  ReadBlob(cache, b).value();
  EXPECT_EQ(base.reads, before + 1) << "b was evicted";
}

TEST(SmallBlobCacheTest, DropIdleDropsOnlyBlobsNotReadForMaxIdle) {
  CountingStore base;
  FakeClock clock;
  SmallBlobCacheOptions options;
  options.max_idle = std::chrono::minutes(10);
  SmallBlobCache cache(&base, options, &clock);
  const Digest old_blob = Put(base, "read once, long ago");
  const Digest hot_blob = Put(base, "read again recently");
  ReadBlob(cache, old_blob).value();
  ReadBlob(cache, hot_blob).value();
  clock.Advance(std::chrono::minutes(6));
  ReadBlob(cache, hot_blob).value();  // Refreshes it.
  clock.Advance(std::chrono::minutes(5));

  const int reads_before = base.reads;
  cache.DropIdle();
  EXPECT_EQ(cache.cached_bytes(), hot_blob.size());
  EXPECT_EQ(ReadBlob(cache, hot_blob).value(), "read again recently");
  EXPECT_EQ(base.reads, reads_before) << "the recently read blob is still cached";
  EXPECT_EQ(ReadBlob(cache, old_blob).value(), "read once, long ago");
  EXPECT_EQ(base.reads, reads_before + 1) << "the idle blob was dropped and is read from the base again";

  clock.Advance(std::chrono::minutes(10));
  cache.DropIdle();
  EXPECT_EQ(cache.cached_bytes(), 0);
}

TEST(SmallBlobCacheTest, ConcurrentReadersAllGetTheContent) {
  CountingStore base;
  SmallBlobCache cache(&base, SmallBlobCacheOptions());
  std::vector<Digest> digests;
  for (int i = 0; i < 50; ++i) digests.push_back(Put(base, "blob number " + std::to_string(i)));
  std::atomic<int> wrong{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 4; ++t) {
    readers.emplace_back([&] {
      for (int round = 0; round < 20; ++round) {
        for (size_t i = 0; i < digests.size(); ++i) {
          if (ReadBlob(cache, digests[i]).value() != "blob number " + std::to_string(i)) ++wrong;
        }
      }
    });
  }
  for (auto& reader : readers) reader.join();
  EXPECT_EQ(wrong, 0);
  EXPECT_LE(base.reads, 4 * 50) << "at most one miss per reader per blob";
}

}  // namespace
}  // namespace kiln
