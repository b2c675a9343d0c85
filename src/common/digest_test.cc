#include "common/digest.h"

#include <gtest/gtest.h>

#include "common/hasher.h"

namespace kiln {
namespace {

TEST(DigestTest, AcceptsLowercaseHexOfTheFunctionsLength) {
  auto digest = Digest::Create(DigestFunction::kSha256, std::string(64, 'a'), 10);
  ASSERT_TRUE(digest.ok()) << digest.status().ToString();
  EXPECT_EQ(digest->size(), 10);
  EXPECT_EQ(digest->ToString(), std::string(64, 'a') + "/10");
}

TEST(DigestTest, RejectsWrongLengthUppercaseAndNegativeSize) {
  EXPECT_EQ(Digest::Create(DigestFunction::kSha256, std::string(63, 'a'), 1).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Digest::Create(DigestFunction::kSha256, std::string(64, 'A'), 1).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Digest::Create(DigestFunction::kSha1, std::string(40, 'g'), 1).status().code(), StatusCode::kInvalidArgument);
  auto negative = Digest::Create(DigestFunction::kSha256, std::string(64, 'a'), -1);
  EXPECT_EQ(negative.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(negative.status().message().find("negative"), std::string::npos);
}

TEST(DigestTest, EmptyDigestMatchesHashOfNothing) {
  for (DigestFunction function : kAllDigestFunctions) {
    EXPECT_EQ(Digest::Empty(function), ComputeDigest(function, "")) << DigestFunctionName(function);
  }
}

TEST(DigestTest, InfersFunctionFromHashLength) {
  EXPECT_EQ(*DigestFunctionForHashLength(64), DigestFunction::kSha256);
  EXPECT_EQ(*DigestFunctionForHashLength(40), DigestFunction::kSha1);
  EXPECT_EQ(*DigestFunctionForHashLength(32), DigestFunction::kMd5);
  EXPECT_EQ(*DigestFunctionForHashLength(96), DigestFunction::kSha384);
  EXPECT_EQ(*DigestFunctionForHashLength(128), DigestFunction::kSha512);
  EXPECT_FALSE(DigestFunctionForHashLength(63).ok());
}

// BLAKE3 and GITSHA1 share SHA-256's and SHA-1's hash lengths; REAPI requires clients to
// name them, so an unnamed hash keeps meaning what it meant to clients before them.
TEST(DigestTest, Blake3AndGitSha1AreNeverInferredFromLength) {
  EXPECT_FALSE(ImpliedByHashLength(DigestFunction::kBlake3));
  EXPECT_FALSE(ImpliedByHashLength(DigestFunction::kGitSha1));
  EXPECT_TRUE(ImpliedByHashLength(DigestFunction::kSha256));
  EXPECT_EQ(HashHexLength(DigestFunction::kBlake3), 64u);
  EXPECT_EQ(HashHexLength(DigestFunction::kGitSha1), 40u);
}

TEST(DigestTest, FunctionNamesRoundTrip) {
  for (DigestFunction function : kAllDigestFunctions) {
    EXPECT_EQ(*DigestFunctionFromName(DigestFunctionName(function)), function);
  }
  EXPECT_EQ(*DigestFunctionFromName("blake3"), DigestFunction::kBlake3);
  EXPECT_EQ(*DigestFunctionFromName("gitsha1"), DigestFunction::kGitSha1);
  EXPECT_FALSE(DigestFunctionFromName("sha256tree").ok());
}

}  // namespace
}  // namespace kiln
