#include "auth/base64.h"

#include <gtest/gtest.h>

namespace kiln {
namespace {

TEST(Base64Test, StandardRoundTripsWithPadding) {
  EXPECT_EQ(EncodeBase64(""), "");
  EXPECT_EQ(EncodeBase64("f"), "Zg==");
  EXPECT_EQ(EncodeBase64("fo"), "Zm8=");
  EXPECT_EQ(EncodeBase64("foo"), "Zm9v");
  EXPECT_EQ(EncodeBase64("ci:s3cret"), "Y2k6czNjcmV0");
  for (std::string text : {"", "f", "fo", "foo", "foob", "fooba", "foobar", "\xff\xfe\x00\x01"}) {
    EXPECT_EQ(DecodeBase64(EncodeBase64(text)), text);
  }
}

TEST(Base64Test, StandardRefusesMalformedText) {
  EXPECT_EQ(DecodeBase64("Zg"), std::nullopt);     // Unpadded.
  EXPECT_EQ(DecodeBase64("Zg="), std::nullopt);    // Short padding.
  EXPECT_EQ(DecodeBase64("Z==="), std::nullopt);   // Too much padding.
  EXPECT_EQ(DecodeBase64("Zh=="), std::nullopt);   // Non-zero leftover bits.
  EXPECT_EQ(DecodeBase64("Zm9-"), std::nullopt);   // Url alphabet.
  EXPECT_EQ(DecodeBase64("Zm 9v"), std::nullopt);
}

TEST(Base64Test, UrlIsUnpaddedWithItsOwnAlphabet) {
  EXPECT_EQ(EncodeBase64Url("\xfb\xff"), "-_8");
  EXPECT_EQ(DecodeBase64Url("-_8"), "\xfb\xff");
  EXPECT_EQ(DecodeBase64Url("Zg"), "f");
  EXPECT_EQ(DecodeBase64Url("Zg=="), std::nullopt);
  EXPECT_EQ(DecodeBase64Url("+/8"), std::nullopt);
  EXPECT_EQ(DecodeBase64Url("Z"), std::nullopt);  // No encoder writes one lone character.
  for (std::string text : {"", "a", "ab", "abc", "abcd", "{\"alg\":\"RS256\"}"}) {
    EXPECT_EQ(DecodeBase64Url(EncodeBase64Url(text)), text);
  }
}

}  // namespace
}  // namespace kiln
