#include "cas/blob_splice.h"

#include <gtest/gtest.h>

#include <chrono>

#include "cas/memory_blob_store.h"
#include "common/hasher.h"

namespace kiln {
namespace {

Digest Sha256(std::string_view data) { return ComputeDigest(DigestFunction::kSha256, data); }

std::vector<Digest> Store(BlobStore& store, const std::vector<std::string>& chunks) {
  std::vector<Digest> digests;
  for (const auto& chunk : chunks) {
    digests.push_back(Sha256(chunk));
    EXPECT_TRUE(WriteBlob(store, digests.back(), chunk).ok());
  }
  return digests;
}

TEST(BlobSpliceTest, AssemblesTheBlobFromStoredChunks) {
  MemoryBlobStore store;
  const auto chunks = Store(store, {"hello, ", "", "chunked ", "world", "hello, "});
  const Digest blob = Sha256("hello, chunked worldhello, ");
  ASSERT_TRUE(SpliceBlob(store, blob, chunks).ok());
  EXPECT_EQ(*ReadBlob(store, blob), "hello, chunked worldhello, ");
  // Again: the blob is there, nothing to do.
  EXPECT_TRUE(SpliceBlob(store, blob, chunks).ok());
}

TEST(BlobSpliceTest, MissingChunksAreNamed) {
  MemoryBlobStore store;
  auto chunks = Store(store, {"a", "b"});
  chunks.insert(chunks.begin() + 1, Sha256("not stored"));
  chunks.push_back(Sha256("neither"));
  chunks.push_back(Sha256("neither"));
  Status status = SpliceBlob(store, Sha256("anot storedbneitherneither"), chunks);
  EXPECT_EQ(status.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(status.missing_blobs(),
            (std::vector<std::string>{"blobs/" + Sha256("not stored").ToString(), "blobs/" + Sha256("neither").ToString()}));
  EXPECT_EQ(status.message(), "2 chunk(s) to splice are not in the CAS: blobs/" + Sha256("not stored").ToString() +
                                  ", blobs/" + Sha256("neither").ToString());
}

TEST(BlobSpliceTest, ManyMissingChunksAreNamedAllInTheDetailAndFirstFewInTheMessage) {
  MemoryBlobStore store;
  std::vector<Digest> chunks;
  std::string blob;
  for (int i = 0; i < 8; ++i) {
    chunks.push_back(ComputeDigest(DigestFunction::kBlake3, std::to_string(i)));
    blob += std::to_string(i);
  }
  Status status = SpliceBlob(store, ComputeDigest(DigestFunction::kBlake3, blob), chunks);
  EXPECT_EQ(status.code(), StatusCode::kFailedPrecondition);
  ASSERT_EQ(status.missing_blobs().size(), 8u);
  // Subjects name the digest function where resource names do.
  EXPECT_EQ(status.missing_blobs()[7], "blobs/blake3/" + chunks[7].ToString());
  EXPECT_NE(status.message().find("8 chunk(s) to splice are not in the CAS: blobs/blake3/" + chunks[0].ToString()),
            std::string::npos) << status.message();
  EXPECT_NE(status.message().find("blobs/blake3/" + chunks[4].ToString() + " and 3 more"), std::string::npos)
      << status.message();
  EXPECT_EQ(status.message().find(chunks[5].ToString()), std::string::npos);
}

TEST(BlobSpliceTest, SizesThatDoNotAddUpAreRefused) {
  MemoryBlobStore store;
  const auto chunks = Store(store, {"abc", "def"});
  Status status = SpliceBlob(store, Sha256("abcdefg"), chunks);
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("add up to 6 bytes"), std::string::npos) << status.message();
  EXPECT_EQ(SpliceBlob(store, Sha256("abcde"), chunks).code(), StatusCode::kInvalidArgument);
  // Sizes near INT64_MAX must not wrap around to a plausible sum.
  auto huge = Digest::Create(DigestFunction::kSha256, Sha256("x").hash(), INT64_MAX - 1);
  ASSERT_TRUE(huge.ok());
  EXPECT_EQ(SpliceBlob(store, Sha256("abc"), {*huge, *huge, chunks[0]}).code(), StatusCode::kInvalidArgument);
}

TEST(BlobSpliceTest, WrongContentIsRefusedAndNotStored) {
  MemoryBlobStore store;
  const auto chunks = Store(store, {"abc", "def"});
  const Digest claimed = Sha256("abcxyz");
  Status status = SpliceBlob(store, claimed, chunks);
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("do not assemble"), std::string::npos) << status.message();
  EXPECT_FALSE(ContainsBlob(store, claimed));
}

TEST(BlobSpliceTest, ChunksMustUseTheBlobsDigestFunction) {
  MemoryBlobStore store;
  const Digest sha1 = ComputeDigest(DigestFunction::kSha1, "abc");
  ASSERT_TRUE(WriteBlob(store, sha1, "abc").ok());
  EXPECT_EQ(SpliceBlob(store, Sha256("abc"), {sha1}).code(), StatusCode::kInvalidArgument);
}

TEST(BlobSpliceTest, CancelledBetweenChunks) {
  MemoryBlobStore store;
  const auto chunks = Store(store, {"abc", "def"});
  SpliceOptions options;
  options.cancelled = [] { return true; };
  EXPECT_EQ(SpliceBlob(store, Sha256("abcdef"), chunks, options).code(), StatusCode::kCancelled);
  EXPECT_FALSE(ContainsBlob(store, Sha256("abcdef")));
}

// 100,000 one-byte chunks (of 256 distinct ones): one FindMissing, one read each.
TEST(BlobSpliceTest, HundredThousandTinyChunks) {
  MemoryBlobStore store;
  std::vector<std::string> distinct;
  for (int i = 0; i < 256; ++i) distinct.emplace_back(1, static_cast<char>(i));
  const auto stored = Store(store, distinct);
  std::string data;
  std::vector<Digest> chunks;
  for (int i = 0; i < 100000; ++i) {
    const int value = (i * 7919) % 256;
    data.push_back(static_cast<char>(value));
    chunks.push_back(stored[value]);
  }
  const auto started = std::chrono::steady_clock::now();
  ASSERT_TRUE(SpliceBlob(store, Sha256(data), chunks).ok());
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5));
  EXPECT_EQ(*ReadBlob(store, Sha256(data)), data);
}

}  // namespace
}  // namespace kiln
