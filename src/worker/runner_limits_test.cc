// RunRequest::limits against real processes, for both runners (the sandbox only where this
// host can create one): a file past its size limit kills its writer, logs past theirs kill
// the command, memory beyond the limit is refused, and a fork bomb is bounded.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>

#include "testing/temp_dir.h"
#include "worker/runner.h"
#include "worker/test_inputs.h"

namespace kiln {
namespace {

using std::chrono::seconds;
using testing::ReadFileOrEmpty;
using Clock = std::chrono::steady_clock;

enum class Kind { kProcess, kSandbox };

std::string Name(const ::testing::TestParamInfo<Kind>& info) { return info.param == Kind::kProcess ? "Process" : "Sandbox"; }

int64_t FileSize(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? st.st_size : -1;
}

class RunnerLimitsTest : public ::testing::TestWithParam<Kind> {
 protected:
  void SetUp() override {
    if (GetParam() == Kind::kProcess) {
      runner_ = NewProcessRunner();
      return;
    }
    auto sandbox = NewSandboxRunner(SandboxOptions());
    if (!sandbox.ok()) GTEST_SKIP() << sandbox.status().ToString();
    runner_ = std::move(sandbox).value();
    // The sandbox user must be able to write the input root (a root server's is nobody).
    ASSERT_EQ(::chmod(dir_.path().c_str(), 0777), 0);
    ASSERT_EQ(::mkdir(root().c_str(), 0777), 0);
    ASSERT_EQ(::chmod(root().c_str(), 0777), 0);
  }

  std::string root() const { return GetParam() == Kind::kProcess ? dir_.path() : dir_.path() + "/root"; }

  RunResult Shell(const std::string& script, const RunLimits& limits) {
    RunRequest request;
    request.arguments = {"/bin/sh", "-c", script};
    request.environment = {{"PATH", "/usr/bin:/bin"}};
    request.input_root = root();
    request.working_directory = root();
    request.stdout_path = dir_.path() + "/stdout";
    request.stderr_path = dir_.path() + "/stderr";
    request.timeout = seconds(30);
    request.limits = limits;
    auto result = runner_->Run(request, not_cancelled_);
    EXPECT_TRUE(result.ok()) << result.status().ToString();
    return result.ok() ? *result : RunResult{};
  }
  std::string Stdout() { return ReadFileOrEmpty(dir_.path() + "/stdout"); }
  std::string Stderr() { return ReadFileOrEmpty(dir_.path() + "/stderr"); }

  TempDir dir_;
  std::unique_ptr<Runner> runner_;
  std::atomic<bool> not_cancelled_{false};
};

TEST_P(RunnerLimitsTest, TheCommandRunsWithTheAddedNiceness) {
  const int ours = ::getpriority(PRIO_PROCESS, 0);
  RunLimits limits;
  limits.nice = 7;
  RunResult result = Shell("exec nice", limits);  // coreutils nice alone prints the niceness.
  EXPECT_EQ(result.exit_code, 0) << Stderr();
  EXPECT_EQ(Stdout(), std::to_string(std::min(ours + 7, 19)) + "\n");
  limits.nice = 0;
  Shell("exec nice", limits);
  EXPECT_EQ(Stdout(), std::to_string(ours) + "\n");
}

TEST_P(RunnerLimitsTest, AFileWrittenPastItsLimitKillsTheWriter) {
  RunLimits limits;
  limits.max_file_bytes = 1 << 20;
  RunResult result = Shell("exec head -c 3145728 /dev/zero > big", limits);
  EXPECT_EQ(result.exit_code, 128 + SIGXFSZ);
  EXPECT_EQ(FileSize(root() + "/big"), 1 << 20);
  // Sparse files count their apparent size.
  result = Shell("exec truncate -s 4G sparse", limits);
  EXPECT_NE(result.exit_code, 0);
  EXPECT_LE(FileSize(root() + "/sparse"), 1 << 20);
  // Within the limit, nothing happens.
  EXPECT_EQ(Shell("head -c 1000 /dev/zero > small", limits).exit_code, 0);
}

TEST_P(RunnerLimitsTest, LogsPastTheirLimitKillTheCommand) {
  RunLimits limits;
  limits.max_log_bytes = 1 << 20;
  const auto start = Clock::now();
  RunResult result = Shell("head -c 3145728 /dev/zero; sleep 20", limits);
  EXPECT_LT(Clock::now() - start, seconds(10));
  EXPECT_TRUE(result.log_limit_exceeded);
  EXPECT_FALSE(result.timed_out);
  // stderr counts the same.
  result = Shell("head -c 3145728 /dev/zero >&2; sleep 20", limits);
  EXPECT_TRUE(result.log_limit_exceeded);
  EXPECT_FALSE(Shell("echo fine", limits).log_limit_exceeded);
  EXPECT_EQ(Stdout(), "fine\n");
}

TEST_P(RunnerLimitsTest, MemoryPastTheLimitIsRefused) {
  if (!std::filesystem::exists("/usr/bin/python3")) GTEST_SKIP() << "needs python3";
  RunLimits limits;
  limits.max_memory_bytes = 64 << 20;
  RunResult result = Shell("python3 -c 'bytearray(256 << 20)'", limits);
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(Stderr().find("MemoryError"), std::string::npos) << Stderr();
  EXPECT_EQ(Shell("python3 -c 'bytearray(16 << 20)'", limits).exit_code, 0) << Stderr();
}

// Counted per user namespace: only the sandbox's count is the action's own (the plain
// runner counts every process of the host user, and a root one is exempt).
TEST_P(RunnerLimitsTest, AForkBombIsBounded) {
  if (GetParam() == Kind::kProcess) GTEST_SKIP() << "RLIMIT_NPROC counts per host user without a sandbox";
  RunLimits limits;
  limits.max_processes = 30;
  const auto start = Clock::now();
  // The shell gives up at the first fork that fails; `started` counts the ones before it.
  RunResult result = Shell("for i in $(seq 500); do sleep 20 & echo $i > started; done", limits);
  EXPECT_LT(Clock::now() - start, seconds(15)) << "leftovers are killed when the command exits";
  EXPECT_NE(result.exit_code, 0);
  EXPECT_NE(Stderr().find("fork"), std::string::npos) << Stderr();
  const int started = std::atoi(ReadFileOrEmpty(root() + "/started").c_str());
  EXPECT_GT(started, 5);
  EXPECT_LT(started, 30);
}

// The sandbox's /tmp is memory: it holds no more than the memory limit.
TEST_P(RunnerLimitsTest, TheSandboxesTmpHoldsNoMoreThanTheMemoryLimit) {
  if (GetParam() == Kind::kProcess) GTEST_SKIP() << "the plain runner has the host's /tmp";
  RunLimits limits;
  limits.max_memory_bytes = 4 << 20;
  RunResult result = Shell("head -c 8388608 /dev/zero > /tmp/fill; ls -l /tmp/fill | awk '{print $5}'", limits);
  EXPECT_NE(Stderr().find("No space left"), std::string::npos) << Stderr();
  EXPECT_LE(std::atoll(Stdout().c_str()), 4 << 20) << Stdout();
}

INSTANTIATE_TEST_SUITE_P(BothRunners, RunnerLimitsTest, ::testing::Values(Kind::kProcess, Kind::kSandbox), Name);

}  // namespace
}  // namespace kiln
