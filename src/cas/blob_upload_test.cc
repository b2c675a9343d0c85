#include "cas/blob_upload.h"

#include <gtest/gtest.h>

#include "cas/memory_blob_store.h"
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

TEST(BlobUploadTest, CompressedUploadBeyondItsDigestSizeFails) {
  MemoryBlobStore store;
  std::string data(100000, 'x');
  Digest declared = *Digest::Create(DigestFunction::kSha256, ComputeDigest(DigestFunction::kSha256, data).hash(), 1000);
  auto upload = NewUpload(store, declared, Compression::kZstd);
  Status status = upload->Append(0, *ZstdCompress(data));
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("more than the declared 1000 bytes"), std::string::npos) << status.message();
  EXPECT_FALSE(ContainsBlob(store, declared));
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

}  // namespace
}  // namespace kiln
