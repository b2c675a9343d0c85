#include "cas/size_limited_blob_store.h"

#include <gtest/gtest.h>

#include "cas/memory_blob_store.h"
#include "common/hasher.h"

namespace kiln {
namespace {

Digest Sha256(std::string_view data) { return ComputeDigest(DigestFunction::kSha256, data); }

TEST(SizeLimitedBlobStoreTest, WritesUpToTheLimitPass) {
  MemoryBlobStore base;
  SizeLimitedBlobStore store(&base, 5);
  ASSERT_TRUE(WriteBlob(store, Sha256("12345"), "12345").ok());
  EXPECT_TRUE(base.FindMissing({Sha256("12345")}).empty());
  EXPECT_EQ(*ReadBlob(store, Sha256("12345")), "12345");
}

TEST(SizeLimitedBlobStoreTest, LargerBlobsAreInvalidArgumentAndNeverReachTheBase) {
  MemoryBlobStore base;
  SizeLimitedBlobStore store(&base, 5);
  auto writer = store.OpenWrite(Sha256("123456"));
  ASSERT_FALSE(writer.ok());
  EXPECT_EQ(writer.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(writer.status().message().find("max_cas_blob_size_bytes (5 bytes"), std::string::npos)
      << writer.status().ToString();
  EXPECT_FALSE(base.FindMissing({Sha256("123456")}).empty());
}

TEST(SizeLimitedBlobStoreTest, ZeroIsNoLimit) {
  MemoryBlobStore base;
  SizeLimitedBlobStore store(&base, 0);
  EXPECT_TRUE(WriteBlob(store, Sha256("any size at all"), "any size at all").ok());
}

TEST(SizeLimitedBlobStoreTest, LargerBlobsAlreadyStoredStillRead) {
  MemoryBlobStore base;
  ASSERT_TRUE(WriteBlob(base, Sha256("a larger blob"), "a larger blob").ok());
  SizeLimitedBlobStore store(&base, 5);
  EXPECT_TRUE(store.FindMissing({Sha256("a larger blob")}).empty());
  EXPECT_EQ(*ReadBlob(store, Sha256("a larger blob")), "a larger blob");
}

}  // namespace
}  // namespace kiln
