// `kiln serve`'s Remote Asset and execution limit flags: documented in --help, and bad
// values refused with exit code 2 and a message naming the flag, before anything is started.
#include "cli/serve_command.h"

#include <gtest/gtest.h>

#include "testing/temp_dir.h"

namespace kiln {
namespace {

TEST(ServeCommandTest, HelpExplainsTheAssetFlags) {
  ::testing::internal::CaptureStdout();
  EXPECT_EQ(RunServeCommand({"--help"}), 0);
  const std::string help = ::testing::internal::GetCapturedStdout();
  for (const char* flag : {"--asset-fetch-timeout", "--asset-fetch-threads", "--asset-file-roots",
                           "--asset-allow-private-networks", "--asset-allow-networks", "--asset-max-unpacked-bytes",
                           "--asset-max-archive-entries", "--asset-max-unpack-ratio"}) {
    EXPECT_NE(help.find(flag), std::string::npos) << flag << " missing from:\n" << help;
  }
  EXPECT_NE(help.find("(default: 10m)"), std::string::npos) << help;
  for (const char* default_text : {"(default: 1000000)", "(default: 200)", "(default: false)"}) {
    EXPECT_NE(help.find(default_text), std::string::npos) << default_text << " missing from:\n" << help;
  }
}

TEST(ServeCommandTest, BadAssetFlagsAreUsageErrors) {
  TempDir dir;
  const std::vector<std::string> base = {"--listen", "127.0.0.1:0", "--data-dir", dir.path()};
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"--asset-fetch-timeout", "soon"}, "--asset-fetch-timeout"},
      {{"--asset-fetch-timeout", "0s"}, "--asset-fetch-timeout"},
      {{"--asset-fetch-timeout", "2h"}, "--asset-fetch-timeout"},
      {{"--asset-fetch-threads", "0"}, "--asset-fetch-threads"},
      {{"--asset-fetch-threads", "many"}, "--asset-fetch-threads"},
      {{"--asset-file-roots", dir.path() + "," + dir.path() + "/missing"}, dir.path() + "/missing"},
      {{"--asset-file-roots", dir.path() + ",,"}, "--asset-file-roots"},
      {{"--asset-allow-networks", "10.0.0.0/8,example.com"}, "\"example.com\" is not an IP address"},
      {{"--asset-allow-networks", "10.0.0.1/8"}, "--asset-allow-networks"},
      {{"--asset-allow-private-networks=maybe"}, "--asset-allow-private-networks"},
      {{"--asset-max-unpacked-bytes", "0"}, "--asset-max-unpacked-bytes"},
      {{"--asset-max-archive-entries", "0"}, "--asset-max-archive-entries"},
      {{"--asset-max-unpack-ratio", "-1"}, "--asset-max-unpack-ratio"},
  };
  for (const auto& [extra, named] : cases) {
    std::vector<std::string> args = base;
    args.insert(args.end(), extra.begin(), extra.end());
    ::testing::internal::CaptureStderr();
    EXPECT_EQ(RunServeCommand(args), 2) << named;
    const std::string error = ::testing::internal::GetCapturedStderr();
    EXPECT_NE(error.find(named), std::string::npos) << error;
  }
}

TEST(ServeCommandTest, HelpExplainsTheExecutionLimitsWithTheirDefaults) {
  ::testing::internal::CaptureStdout();
  EXPECT_EQ(RunServeCommand({"--help"}), 0);
  const std::string help = ::testing::internal::GetCapturedStdout();
  for (const char* flag_and_default : {"--max-message-bytes VALUE", "(default: 16M)", "--max-input-files VALUE",
                                       "(default: 1000000)", "--max-input-bytes VALUE", "(default: 100G)",
                                       "--max-input-depth VALUE", "(default: 256)", "--max-queued-actions VALUE",
                                       "(default: 100000)", "--worker-report-grace VALUE", "(default: 5m)",
                                       "--max-action-attempts VALUE", "(default: 3)", "--action-nice VALUE",
                                       "(default: 10)"}) {
    EXPECT_NE(help.find(flag_and_default), std::string::npos) << flag_and_default << " missing from:\n" << help;
  }
}

TEST(ServeCommandTest, BadExecutionLimitsAreUsageErrors) {
  TempDir dir;
  const std::vector<std::string> base = {"--listen", "127.0.0.1:0", "--data-dir", dir.path()};
  for (const auto& [flag, value] : std::vector<std::pair<std::string, std::string>>{
           {"--max-message-bytes", "100"},
           {"--max-message-bytes", "2G"},
           {"--max-input-files", "0"},
           {"--max-input-bytes", "-1"},
           {"--max-input-depth", "-1"},
           {"--max-input-depth", "5000"},
           {"--max-queued-actions", "0"},
           {"--max-queued-actions", "lots"},
           {"--workers", "-1"},
           {"--max-ac-bytes", "0"},
           {"--read-cache-bytes", "-1"},
           {"--max-batch-bytes", "2G"},
           {"--max-live-log-bytes", "-1"},
           {"--max-log-streams-per-connection", "0"},
           {"--max-action-attempts", "0"},
           {"--worker-report-grace", "soon"},
           {"--action-nice", "20"}}) {
    ::testing::internal::CaptureStderr();
    EXPECT_EQ(RunServeCommand({base[0], base[1], base[2], base[3], flag, value}), 2) << flag << " " << value;
    const std::string error = ::testing::internal::GetCapturedStderr();
    EXPECT_NE(error.find(flag), std::string::npos) << error;
  }
}

}  // namespace
}  // namespace kiln

namespace kiln {
namespace {

TEST(ServeCommandTest, RoleAndCasFlagsAreCheckedBeforeAnythingStarts) {
  TempDir dir;
  const std::vector<std::string> base = {"--listen", "127.0.0.1:0", "--data-dir", dir.path()};
  for (const auto& [extra, named] : std::vector<std::pair<std::vector<std::string>, std::string>>{
           {{"--role", "storage", "--workers", "2"}, "--workers"},
           {{"--role", "storage", "--max-queued-actions", "5"}, "--max-queued-actions"},
           {{"--role", "storage", "--action-max-memory", "1G"}, "--action-max-memory"},
           {{"--role", "frontend"}, "--role"},
           {{"--cas-token-file", "/nonexistent"}, "--cas-token-file needs --cas or --backplane"},
       }) {
    std::vector<std::string> args = base;
    args.insert(args.end(), extra.begin(), extra.end());
    ::testing::internal::CaptureStderr();
    EXPECT_EQ(RunServeCommand(args), 2) << named;
    const std::string error = ::testing::internal::GetCapturedStderr();
    EXPECT_NE(error.find(named), std::string::npos) << error;
  }
}

}  // namespace
}  // namespace kiln
