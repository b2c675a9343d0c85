// Action cgroups on this host, where kiln may make them (skipped with the reason where it
// may not): an action's memory and processes are limited as a whole, breaches are reported,
// and nothing of the cgroup is left afterwards.
#include "worker/action_cgroup.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <vector>

#include "testing/temp_dir.h"
#include "worker/runner.h"
#include "worker/test_inputs.h"

namespace kiln {
namespace {

using testing::ReadFileOrEmpty;

class ActionCgroupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why_not;
    auto cgroups = DiscoverActionCgroups(&why_not);
    if (!cgroups) GTEST_SKIP() << "no cgroups for actions here: " << why_not;
    SandboxOptions options;
    options.cgroups = std::move(cgroups);
    auto runner = NewSandboxRunner(options);
    if (!runner.ok()) GTEST_SKIP() << runner.status().ToString();
    runner_ = std::move(runner).value();
    ASSERT_EQ(::chmod(dir_.path().c_str(), 0777), 0);
    root_ = dir_.path() + "/root";
    ASSERT_EQ(::mkdir(root_.c_str(), 0777), 0);
    ASSERT_EQ(::chmod(root_.c_str(), 0777), 0);
  }

  RunResult Shell(const std::string& script, const RunLimits& limits) {
    RunRequest request;
    request.arguments = {"/bin/sh", "-c", script};
    request.environment = {{"PATH", "/usr/bin:/bin"}};
    request.input_root = root_;
    request.working_directory = root_;
    request.stdout_path = dir_.path() + "/stdout";
    request.stderr_path = dir_.path() + "/stderr";
    request.timeout = std::chrono::seconds(30);
    request.limits = limits;
    auto result = runner_->Run(request, not_cancelled_);
    EXPECT_TRUE(result.ok()) << result.status().ToString();
    return result.ok() ? *result : RunResult{};
  }

  TempDir dir_;
  std::string root_;
  std::unique_ptr<Runner> runner_;
  std::atomic<bool> not_cancelled_{false};
};

// Four processes of 40 MiB each: within any per-process limit, over the action's 100 MiB.
TEST_F(ActionCgroupTest, MemoryCountsTheWholeActionAndABreachIsReported) {
  if (!std::filesystem::exists("/usr/bin/python3")) GTEST_SKIP() << "needs python3";
  RunLimits limits;
  limits.max_memory_bytes = 100 << 20;
  const std::string hog = "python3 -c 'import time; b = bytearray(40 << 20); time.sleep(3)'";
  RunResult result = Shell(hog + " & " + hog + " & " + hog + " & " + hog + " & wait", limits);
  EXPECT_TRUE(result.memory_limit_exceeded);
  EXPECT_FALSE(result.process_limit_exceeded);
  result = Shell("python3 -c 'bytearray(20 << 20)'", limits);
  EXPECT_EQ(result.exit_code, 0) << ReadFileOrEmpty(dir_.path() + "/stderr");
  EXPECT_FALSE(result.memory_limit_exceeded);
}

// The sandbox's init shares the server's memory; were it in the action's cgroup, the OOM
// killer would pick it as the largest process there when the server is larger than the
// action, and kill the server with it. Here this test process plays the large server.
TEST_F(ActionCgroupTest, AnOutOfMemoryActionNeverTakesTheServerWithIt) {
  std::vector<char> server_memory(size_t{384} << 20);
  for (size_t i = 0; i < server_memory.size(); i += 4096) server_memory[i] = static_cast<char>(i);
  RunLimits limits;
  limits.max_memory_bytes = 64 << 20;
  for (int run = 0; run < 3; ++run) {
    RunResult result = Shell("dd if=/dev/zero of=/dev/null bs=512M count=1 iflag=fullblock", limits);
    EXPECT_TRUE(result.memory_limit_exceeded) << ReadFileOrEmpty(dir_.path() + "/stderr");
    EXPECT_NE(result.exit_code, 0);
  }
  // Still here, and the memory intact.
  EXPECT_EQ(server_memory[4096 * 7], static_cast<char>(4096 * 7));
}

// Sanitizers and runtimes reserve far more address space than they use: with the action's
// memory limited by its cgroup, that is no longer refused per process.
TEST_F(ActionCgroupTest, ReservedAddressSpaceIsNotCounted) {
  if (!std::filesystem::exists("/usr/bin/python3")) GTEST_SKIP() << "needs python3";
  RunLimits limits;
  limits.max_memory_bytes = 100 << 20;
  RunResult result = Shell("python3 -c 'import mmap; m = mmap.mmap(-1, 8 << 30, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)'",
                           limits);
  EXPECT_EQ(result.exit_code, 0) << ReadFileOrEmpty(dir_.path() + "/stderr");
}

TEST_F(ActionCgroupTest, AProcessLimitBreachIsReported) {
  RunLimits limits;
  limits.max_processes = 20;
  RunResult result = Shell("for i in $(seq 100); do sleep 10 & done; exit 0", limits);
  EXPECT_TRUE(result.process_limit_exceeded);
  EXPECT_FALSE(Shell("sleep 0.1 & wait", limits).process_limit_exceeded);
}

}  // namespace
}  // namespace kiln
