#include "auth/token_digest.h"

#include <gtest/gtest.h>

#include <thread>

namespace kiln {
namespace {

constexpr char kAbcSha256[] = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

TEST(TokenDigestTest, HashesAsSha256) {
  EXPECT_EQ(TokenDigestHex(Sha256Token("abc")), kAbcSha256);
  EXPECT_EQ(TokenDigestHex(Sha256Token("")), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(TokenDigestTest, ParsesHexOfEitherCase) {
  auto lower = ParseTokenDigestHex(kAbcSha256);
  ASSERT_TRUE(lower);
  EXPECT_EQ(*lower, Sha256Token("abc"));
  std::string upper = kAbcSha256;
  for (char& c : upper) c = static_cast<char>(std::toupper(c));
  EXPECT_EQ(ParseTokenDigestHex(upper), lower);
}

TEST(TokenDigestTest, RefusesWrongLengthOrNonHex) {
  std::string hex = kAbcSha256;
  EXPECT_EQ(ParseTokenDigestHex(hex.substr(1)), std::nullopt);
  EXPECT_EQ(ParseTokenDigestHex(hex + "0"), std::nullopt);
  EXPECT_EQ(ParseTokenDigestHex(""), std::nullopt);
  hex[10] = 'g';
  EXPECT_EQ(ParseTokenDigestHex(hex), std::nullopt);
}

TEST(TokenDigestTest, ThreadsHashIndependently) {
  std::vector<std::thread> threads;
  std::atomic<int> wrong{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) {
        if (TokenDigestHex(Sha256Token("abc")) != kAbcSha256) ++wrong;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(wrong.load(), 0);
}

}  // namespace
}  // namespace kiln
