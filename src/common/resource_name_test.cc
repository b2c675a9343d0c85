#include "common/resource_name.h"

#include <gtest/gtest.h>

#include "common/hasher.h"

namespace kiln {
namespace {

const std::string kHash = std::string(64, 'a');

TEST(ResourceNameTest, ParsesReadNameWithMultiSegmentInstance) {
  auto name = ParseReadResourceName("team/project/blobs/" + kHash + "/42");
  ASSERT_TRUE(name.ok()) << name.status().ToString();
  EXPECT_EQ(name->instance_name, "team/project");
  EXPECT_EQ(name->digest.hash(), kHash);
  EXPECT_EQ(name->digest.size(), 42);
  EXPECT_EQ(name->compression, Compression::kIdentity);
}

TEST(ResourceNameTest, ParsesReadNameWithoutInstance) {
  auto name = ParseReadResourceName("blobs/" + kHash + "/0");
  ASSERT_TRUE(name.ok());
  EXPECT_EQ(name->instance_name, "");
}

TEST(ResourceNameTest, ParsesCompressedNameAndDigestFunctionSegment) {
  const std::string sha1(40, 'b');
  auto name = ParseReadResourceName("x/compressed-blobs/zstd/sha1/" + sha1 + "/7");
  ASSERT_TRUE(name.ok()) << name.status().ToString();
  EXPECT_EQ(name->compression, Compression::kZstd);
  EXPECT_EQ(name->digest.function(), DigestFunction::kSha1);
  // Without the segment, the function is inferred from the hash length.
  auto inferred = ParseReadResourceName("blobs/" + sha1 + "/7");
  ASSERT_TRUE(inferred.ok());
  EXPECT_EQ(inferred->digest.function(), DigestFunction::kSha1);
}

// BLAKE3 and GITSHA1 are always named in resource names; the same hashes without the
// segment are SHA-256 and SHA-1, and the names kiln builds carry the segment.
TEST(ResourceNameTest, Blake3AndGitSha1NeedTheirSegment) {
  auto blake3 = ParseWriteResourceName("uploads/u/blobs/blake3/" + kHash + "/10");
  ASSERT_TRUE(blake3.ok()) << blake3.status().ToString();
  EXPECT_EQ(blake3->digest.function(), DigestFunction::kBlake3);
  const std::string sha1(40, 'c');
  auto gitsha1 = ParseReadResourceName("i/compressed-blobs/zstd/gitsha1/" + sha1 + "/3");
  ASSERT_TRUE(gitsha1.ok()) << gitsha1.status().ToString();
  EXPECT_EQ(gitsha1->digest.function(), DigestFunction::kGitSha1);
  EXPECT_EQ(ParseReadResourceName("blobs/" + kHash + "/10")->digest.function(), DigestFunction::kSha256);

  EXPECT_EQ(MakeReadResourceName("i", blake3->digest), "i/blobs/blake3/" + kHash + "/10");
  EXPECT_EQ(MakeWriteResourceName("", "u", gitsha1->digest, Compression::kZstd),
            "uploads/u/compressed-blobs/zstd/gitsha1/" + sha1 + "/3");
  EXPECT_EQ(MakeReadResourceName("", ParseReadResourceName("blobs/" + kHash + "/10")->digest),
            "blobs/" + kHash + "/10");
}

TEST(ResourceNameTest, ParsesWriteNameWithUuidAndTrailingMetadata) {
  auto name = ParseWriteResourceName("inst/uploads/1234-uuid/blobs/" + kHash + "/10/some/metadata");
  ASSERT_TRUE(name.ok()) << name.status().ToString();
  EXPECT_EQ(name->instance_name, "inst");
  EXPECT_EQ(name->upload_id, "1234-uuid");
  EXPECT_EQ(name->digest.size(), 10);
}

TEST(ResourceNameTest, RejectsMalformedNames) {
  for (const std::string& bad : {
           std::string("blobs/") + kHash,                       // no size
           std::string("blobs/") + kHash + "/-1",                // negative
           std::string("blobs/") + kHash + "/12x",               // not a number
           std::string("blobs/") + std::string(64, 'A') + "/1",  // uppercase
           std::string("blobs/") + std::string(63, 'a') + "/1",  // wrong length
           std::string("compressed-blobs/lz4/") + kHash + "/1",  // unknown compressor
           std::string("compressed-blobs/identity/") + kHash + "/1",
           std::string("blobs/") + kHash + "/1/extra",  // trailing segments only for writes
           std::string("nothing-here"),
           std::string(""),
       }) {
    auto name = ParseReadResourceName(bad);
    EXPECT_EQ(name.status().code(), StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_EQ(ParseWriteResourceName("uploads//blobs/" + kHash + "/1").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseWriteResourceName("blobs/" + kHash + "/1").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseWriteResourceName("uploads/u/" + kHash + "/1").status().code(), StatusCode::kInvalidArgument);
}

TEST(ResourceNameTest, RejectsReservedOrEmptyInstanceSegments) {
  EXPECT_FALSE(ValidateInstanceName("a/operations").ok());
  EXPECT_FALSE(ValidateInstanceName("a//b").ok());
  EXPECT_FALSE(ValidateInstanceName("../x").ok());
  EXPECT_TRUE(ValidateInstanceName("").ok());
  EXPECT_TRUE(ValidateInstanceName("main/linux-x86").ok());
}

TEST(ResourceNameTest, MakeAndParseRoundTrip) {
  Digest digest = ComputeDigest(DigestFunction::kSha256, "hello");
  auto read = ParseReadResourceName(MakeReadResourceName("i", digest, Compression::kZstd));
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(read->digest, digest);
  EXPECT_EQ(read->compression, Compression::kZstd);
  auto write = ParseWriteResourceName(MakeWriteResourceName("i", "u", digest));
  ASSERT_TRUE(write.ok());
  EXPECT_EQ(write->digest, digest);
  EXPECT_EQ(write->upload_id, "u");
  // Every compressor kiln serves has its resource-name spelling.
  for (Compression compression : kServedCompressions) {
    auto compressed = ParseWriteResourceName(MakeWriteResourceName("i", "u", digest, compression));
    ASSERT_TRUE(compressed.ok()) << compressed.status().ToString();
    EXPECT_EQ(compressed->compression, compression);
  }
  EXPECT_EQ(ParseReadResourceName("compressed-blobs/deflate/" + digest.ToString())->compression, Compression::kDeflate);
  EXPECT_EQ(ParseReadResourceName("compressed-blobs/brotli/" + digest.ToString())->compression, Compression::kBrotli);
  auto gzip = ParseReadResourceName("compressed-blobs/gzip/" + digest.ToString());
  EXPECT_NE(gzip.status().message().find("unsupported compressor \"gzip\""), std::string::npos);
}

// REAPI's functions kiln lacks are refused by name, not misread as a hash and a size.
TEST(ResourceNameTest, DigestFunctionsKilnLacksAreNamedInTheError) {
  const std::string hash(64, 'c');
  for (std::string function : {"sha256tree", "vso", "murmur3"}) {
    auto read = ParseReadResourceName("i/blobs/" + function + "/" + hash + "/5");
    ASSERT_FALSE(read.ok());
    EXPECT_EQ(read.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(read.status().message().find("unsupported digest function \"" + function + "\""), std::string::npos)
        << read.status().ToString();
    EXPECT_FALSE(ParseWriteResourceName("uploads/u/compressed-blobs/zstd/" + function + "/" + hash + "/5").ok());
  }
}

}  // namespace
}  // namespace kiln
