// The --sandbox rule shared by `kiln serve` and `kiln worker`: unknown modes are refused
// with a message naming the flag, "none" never sandboxes, and "auto" always yields a runner.
#include "worker/runner_choice.h"

#include <gtest/gtest.h>
#include <unistd.h>

namespace kiln {
namespace {

TEST(RunnerChoiceTest, UnknownModesAreInvalidArguments) {
  for (const char* mode : {"chroot", "", "Auto"}) {
    Status checked = CheckSandboxMode(mode);
    EXPECT_EQ(checked.code(), StatusCode::kInvalidArgument) << mode;
    EXPECT_NE(checked.message().find("--sandbox"), std::string::npos) << checked.message();
    auto chosen = ChooseRunner(mode, "kiln test");
    ASSERT_FALSE(chosen.ok()) << mode;
    EXPECT_EQ(chosen.status().code(), StatusCode::kInvalidArgument);
  }
  for (const char* mode : {"auto", "namespaces", "none"}) EXPECT_TRUE(CheckSandboxMode(mode).ok()) << mode;
}

TEST(RunnerChoiceTest, NoneIsAPlainProcessRunner) {
  auto chosen = ChooseRunner("none", "kiln test");
  ASSERT_TRUE(chosen.ok()) << chosen.status().ToString();
  EXPECT_FALSE(chosen->sandboxed);
  EXPECT_FALSE(chosen->may_hardlink_inputs) << "a plain process runs as the CAS files' owner (or root)";
  ASSERT_NE(chosen->runner, nullptr);
}

TEST(RunnerChoiceTest, AutoAlwaysYieldsARunnerAndSaysWhetherItSandboxes) {
  ::testing::internal::CaptureStderr();
  auto chosen = ChooseRunner("auto", "kiln test");
  const std::string warning = ::testing::internal::GetCapturedStderr();
  ASSERT_TRUE(chosen.ok()) << chosen.status().ToString();
  ASSERT_NE(chosen->runner, nullptr);
  // Without namespaces on this host, the fallback is announced under the caller's name.
  if (!chosen->sandboxed) EXPECT_NE(warning.find("kiln test: WARNING"), std::string::npos) << warning;
  // (Only kiln's own lines count: sanitized builds may print their runtime's notes.)
  else EXPECT_EQ(warning.find("kiln test: WARNING"), std::string::npos) << warning;
  // A sandbox says how it limits actions' memory and processes: cgroups, or rlimits and why.
  if (chosen->sandboxed) EXPECT_NE(warning.find("cgroup"), std::string::npos) << warning;
  // Only a root server's sandbox runs actions as another user (nobody) than the CAS's owner.
  EXPECT_EQ(chosen->may_hardlink_inputs, chosen->sandboxed && ::geteuid() == 0);
}

}  // namespace
}  // namespace kiln
