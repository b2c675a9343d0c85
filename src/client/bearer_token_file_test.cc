#include "client/bearer_token_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdio>
#include <fstream>

#include "testing/temp_dir.h"

namespace kiln {
namespace {

class BearerTokenFileTest : public ::testing::Test {
 protected:
  // Writes `text` to the token file the way a rotation should: a new file renamed over it.
  void Replace(const std::string& text, mode_t mode = 0600) {
    const std::string temp = path_ + ".new";
    std::ofstream(temp) << text;
    ::chmod(temp.c_str(), mode);
    ASSERT_EQ(std::rename(temp.c_str(), path_.c_str()), 0);
  }

  TempDir dir_;
  const std::string path_ = dir_.path() + "/token";
  FakeClock clock_;
};

TEST_F(BearerTokenFileTest, ReadsTheTokenWithoutItsTrailingNewline) {
  Replace("abc.def-ghi_jkl\r\n");
  auto token = BearerTokenFile::Open(path_, &clock_);
  ASSERT_TRUE(token.ok()) << token.status().ToString();
  EXPECT_EQ((*token)->Current(), "abc.def-ghi_jkl");
}

TEST_F(BearerTokenFileTest, RefusesMissingEmptyAndMalformedFiles) {
  EXPECT_NE(BearerTokenFile::Open(path_, &clock_).status().message().find("cannot open"), std::string::npos);
  Replace("\n");
  EXPECT_NE(BearerTokenFile::Open(path_, &clock_).status().message().find("empty"), std::string::npos);
  Replace("two tokens\n");
  const std::string message = BearerTokenFile::Open(path_, &clock_).status().message();
  EXPECT_NE(message.find("whitespace"), std::string::npos) << message;
  EXPECT_EQ(message.find("tokens"), std::string::npos) << "the token leaked into the message: " << message;
}

TEST_F(BearerTokenFileTest, WarnsWhenOthersMayReadIt) {
  Replace("secret", 0644);
  ::testing::internal::CaptureStderr();
  ASSERT_TRUE(BearerTokenFile::Open(path_, &clock_).ok());
  const std::string warning = ::testing::internal::GetCapturedStderr();
  EXPECT_NE(warning.find("can be read by other users"), std::string::npos) << warning;
  EXPECT_NE(warning.find("644"), std::string::npos) << warning;
  Replace("secret", 0600);
  ::testing::internal::CaptureStderr();
  ASSERT_TRUE(BearerTokenFile::Open(path_, &clock_).ok());
  EXPECT_EQ(::testing::internal::GetCapturedStderr(), "");
}

TEST_F(BearerTokenFileTest, ARotatedTokenIsSeenWithinASecond) {
  Replace("first");
  auto token = BearerTokenFile::Open(path_, &clock_);
  ASSERT_TRUE(token.ok());
  Replace("second\n");
  EXPECT_EQ((*token)->Current(), "first");  // Looked at no more than once a second.
  clock_.Advance(std::chrono::milliseconds(1001));
  EXPECT_EQ((*token)->Current(), "second");
}

TEST_F(BearerTokenFileTest, KeepsThePreviousTokenWhileTheFileIsEmptyOrGone) {
  Replace("first");
  auto token = BearerTokenFile::Open(path_, &clock_);
  ASSERT_TRUE(token.ok());
  std::ofstream(path_, std::ios::trunc).flush();  // Truncated in place, as a careless writer would.
  clock_.Advance(std::chrono::seconds(2));
  ::testing::internal::CaptureStderr();
  EXPECT_EQ((*token)->Current(), "first");
  EXPECT_NE(::testing::internal::GetCapturedStderr().find("keeping the previous token"), std::string::npos);
  ASSERT_EQ(std::remove(path_.c_str()), 0);
  clock_.Advance(std::chrono::seconds(2));
  EXPECT_EQ((*token)->Current(), "first");
  Replace("third");
  clock_.Advance(std::chrono::seconds(2));
  EXPECT_EQ((*token)->Current(), "third");
}

}  // namespace
}  // namespace kiln
