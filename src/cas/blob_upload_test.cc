#include "cas/blob_upload.h"

#include <gtest/gtest.h>

#include "cas/memory_blob_store.h"
#include "cas/upload_registry.h"
#include "common/hasher.h"

namespace kiln {
namespace {

std::unique_ptr<BlobUpload> NewUpload(BlobStore& store, const Digest& digest, Compression compression) {
  return std::make_unique<BlobUpload>(std::move(store.OpenWrite(digest)).value(), digest, compression);
}

TEST(BlobUploadTest, PlainChunksMustBeContiguous) {
  MemoryBlobStore store;
  Digest digest = ComputeDigest(DigestFunction::kSha256, "abcdef");
  auto upload = NewUpload(store, digest, Compression::kIdentity);
  ASSERT_TRUE(upload->Append(0, "abc").ok());
  Status gap = upload->Append(4, "ef");
  EXPECT_EQ(gap.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(gap.message().find("write_offset 4"), std::string::npos);
  ASSERT_TRUE(upload->Append(3, "def").ok());
  EXPECT_EQ(upload->committed_size(), 6);
  ASSERT_TRUE(upload->Finish().ok());
  EXPECT_EQ(*ReadBlob(store, digest), "abcdef");
}

TEST(BlobUploadTest, CompressedUploadCountsCompressedBytes) {
  MemoryBlobStore store;
  std::string data(100000, 'z');
  Digest digest = ComputeDigest(DigestFunction::kSha256, data);
  std::string compressed = *ZstdCompress(data);
  auto upload = NewUpload(store, digest, Compression::kZstd);
  size_t half = compressed.size() / 2;
  ASSERT_TRUE(upload->Append(0, std::string_view(compressed).substr(0, half)).ok());
  ASSERT_TRUE(upload->Append(static_cast<int64_t>(half), std::string_view(compressed).substr(half)).ok());
  EXPECT_EQ(upload->committed_size(), static_cast<int64_t>(compressed.size()));
  ASSERT_TRUE(upload->Finish().ok());
  EXPECT_EQ(*ReadBlob(store, digest), data);
}

TEST(BlobUploadTest, TruncatedCompressedUploadFails) {
  MemoryBlobStore store;
  std::string data(100000, 'y');
  Digest digest = ComputeDigest(DigestFunction::kSha256, data);
  std::string compressed = *ZstdCompress(data);
  auto upload = NewUpload(store, digest, Compression::kZstd);
  ASSERT_TRUE(upload->Append(0, std::string_view(compressed).substr(0, compressed.size() - 3)).ok());
  EXPECT_EQ(upload->Finish().code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(ContainsBlob(store, digest));
}

TEST(UploadRegistryTest, ReleasedUploadIsResumableAndExclusive) {
  MemoryBlobStore store;
  FakeClock clock;
  UploadRegistry registry(&clock, std::chrono::minutes(10));
  Digest digest = ComputeDigest(DigestFunction::kSha256, "resume me");
  auto opener = [&]() -> StatusOr<std::unique_ptr<BlobUpload>> { return NewUpload(store, digest, Compression::kIdentity); };
  auto first = registry.Claim("name", opener);
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE((*first)->Append(0, "resume").ok());
  EXPECT_EQ(registry.Claim("name", opener).status().code(), StatusCode::kAborted);
  registry.Release("name");
  EXPECT_EQ(registry.CommittedSize("name"), 6);
  auto second = registry.Claim("name", opener);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->get(), first->get());
  ASSERT_TRUE((*second)->Append(6, " me").ok());
  ASSERT_TRUE((*second)->Finish().ok());
  registry.Remove("name");
  EXPECT_FALSE(registry.CommittedSize("name").has_value());
}

TEST(UploadRegistryTest, IdleUploadsExpire) {
  MemoryBlobStore store;
  FakeClock clock;
  UploadRegistry registry(&clock, std::chrono::minutes(10));
  Digest digest = ComputeDigest(DigestFunction::kSha256, "idle");
  auto opener = [&]() -> StatusOr<std::unique_ptr<BlobUpload>> { return NewUpload(store, digest, Compression::kIdentity); };
  ASSERT_TRUE(registry.Claim("idle", opener).ok());
  registry.Release("idle");
  clock.Advance(std::chrono::minutes(11));
  EXPECT_FALSE(registry.CommittedSize("idle").has_value());
  EXPECT_EQ(registry.size(), 0u);
}

}  // namespace
}  // namespace kiln
