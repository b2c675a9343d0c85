#include "asset/sri.h"

#include <gtest/gtest.h>

#include "common/hasher.h"

namespace kiln {
namespace {

// sha256("hello"), as `openssl dgst -sha256 -binary | base64` prints it.
constexpr char kHelloSri[] = "sha256-LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ=";

TEST(SriTest, ParsesSha256ToHex) {
  auto sri = ParseSri(kHelloSri);
  ASSERT_TRUE(sri.ok()) << sri.status().ToString();
  EXPECT_EQ(sri->function, DigestFunction::kSha256);
  EXPECT_EQ(sri->hex_hash, HashHex(DigestFunction::kSha256, "hello"));
  EXPECT_EQ(sri->ToString(), kHelloSri);
}

TEST(SriTest, RoundTripsSha384AndSha512) {
  for (DigestFunction function : {DigestFunction::kSha384, DigestFunction::kSha512}) {
    Sri original{function, HashHex(function, "some content")};
    auto parsed = ParseSri(original.ToString());
    ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
    EXPECT_EQ(parsed->function, function);
    EXPECT_EQ(parsed->hex_hash, original.hex_hash);
  }
}

TEST(SriTest, RejectsMalformedValuesNamingThem) {
  for (const char* bad : {"", "sha256", "md5-XUFAKrxLKna5cZ2REBfFkg==", "sha256-LPJNul+wow4m6Dsqxbninh==",
                          "sha256-LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmC!=", "sha256-abc"}) {
    auto sri = ParseSri(bad);
    ASSERT_FALSE(sri.ok()) << bad;
    EXPECT_EQ(sri.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(sri.status().message().find("checksum.sri"), std::string::npos) << sri.status().message();
  }
}

}  // namespace
}  // namespace kiln
