// `kiln worker`'s command line: --help documents every flag, and bad invocations fail with
// exit code 2 and a message naming the problem, before anything is started.
#include "cli/worker_command.h"

#include <gtest/gtest.h>

namespace kiln {
namespace {

TEST(WorkerCommandTest, HelpExplainsEveryFlagWithItsDefault) {
  ::testing::internal::CaptureStdout();
  EXPECT_EQ(RunWorkerCommand({"--help"}), 0);
  const std::string help = ::testing::internal::GetCapturedStdout();
  for (const char* flag : {"--scheduler", "--work-dir", "--slots", "--platform", "--cache-bytes", "--sandbox",
                           "--worker-id", "--max-message-bytes"}) {
    EXPECT_NE(help.find(flag), std::string::npos) << flag << " missing from:\n" << help;
  }
  EXPECT_NE(help.find("(default: 10G)"), std::string::npos) << help;
  EXPECT_NE(help.find("(default: auto)"), std::string::npos) << help;
}

TEST(WorkerCommandTest, BadInvocationsAreUsageErrors) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"--work-dir", "/tmp/w"}, "--scheduler"},
      {{"--scheduler", "localhost:1"}, "--work-dir"},
      {{"--scheduler", "localhost:1", "--work-dir", "/tmp/w", "--slots", "0"}, "--slots"},
      {{"--scheduler", "localhost:1", "--work-dir", "/tmp/w", "--sandbox", "chroot"}, "--sandbox"},
      {{"--scheduler", "localhost:1", "--work-dir", "/tmp/w", "--platform", "novalue"}, "--platform"},
      {{"--scheduler", "localhost:1", "--work-dir", "/tmp/w", "--cache-bytes", "lots"}, "--cache-bytes"},
      {{"--scheduler", "localhost:1", "--work-dir", "/tmp/w", "--max-message-bytes", "10"}, "--max-message-bytes"},
      {{"--no-such-flag"}, "--no-such-flag"},
      {{"--scheduler", "localhost:1,,localhost:2", "--work-dir", "/tmp/w"}, "--scheduler: empty target"},
      {{"--scheduler", "localhost:1,localhost:1", "--work-dir", "/tmp/w"}, "listed twice"},
      {{"--scheduler", "localhost:1,https://b:2", "--work-dir", "/tmp/w"}, "https://b:2"},
      // The TLS flags apply to every frontend: all must be grpcs://.
      {{"--scheduler", "grpcs://a:1,b:2", "--work-dir", "/tmp/w", "--tls-ca", "/etc/ssl/certs/ca-certificates.crt"},
       "target \"b:2\" is plaintext"},
  };
  for (const auto& [args, named] : cases) {
    ::testing::internal::CaptureStderr();
    EXPECT_EQ(RunWorkerCommand(args), 2) << named;
    const std::string error = ::testing::internal::GetCapturedStderr();
    EXPECT_NE(error.find(named), std::string::npos) << error;
  }
}

}  // namespace
}  // namespace kiln
