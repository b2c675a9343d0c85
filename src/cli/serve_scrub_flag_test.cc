// `kiln serve --scrub-bytes-per-second`: documented with its default, negative refused.
#include <gtest/gtest.h>

#include "cli/serve_command.h"
#include "testing/temp_dir.h"

namespace kiln {
namespace {

TEST(ServeScrubFlagTest, HelpExplainsTheScrubRateWithItsDefault) {
  ::testing::internal::CaptureStdout();
  EXPECT_EQ(RunServeCommand({"--help"}), 0);
  const std::string help = ::testing::internal::GetCapturedStdout();
  const size_t flag = help.find("--scrub-bytes-per-second VALUE");
  ASSERT_NE(flag, std::string::npos) << help;
  EXPECT_NE(help.find("(default: 64M)", flag), std::string::npos) << help.substr(flag, 400);
}

TEST(ServeScrubFlagTest, NegativeScrubRateIsAUsageError) {
  TempDir dir;
  ::testing::internal::CaptureStderr();
  EXPECT_EQ(RunServeCommand({"--listen", "127.0.0.1:0", "--data-dir", dir.path(), "--scrub-bytes-per-second", "-1"}), 2);
  const std::string error = ::testing::internal::GetCapturedStderr();
  EXPECT_NE(error.find("--scrub-bytes-per-second"), std::string::npos) << error;
}

}  // namespace
}  // namespace kiln
