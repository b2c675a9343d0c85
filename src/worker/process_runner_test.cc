// The plain runner against real processes: exit codes, exact environment, stdio, process
// group killing on timeout, cancellation and exit, and exec failures.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "testing/temp_dir.h"
#include "worker/runner.h"
#include "worker/test_inputs.h"

namespace kiln {
namespace {

using std::chrono::milliseconds;
using testing::ReadFileOrEmpty;

class ProcessRunnerTest : public ::testing::Test {
 protected:
  RunRequest Request(std::vector<std::string> arguments) {
    RunRequest request;
    request.arguments = std::move(arguments);
    request.environment = {{"PATH", "/usr/bin:/bin"}};
    request.input_root = dir_.path();
    request.working_directory = dir_.path();
    request.stdout_path = dir_.path() + "/stdout";
    request.stderr_path = dir_.path() + "/stderr";
    request.timeout = std::chrono::seconds(20);
    return request;
  }
  RunResult RunOk(const RunRequest& request) {
    auto result = runner_->Run(request, not_cancelled_);
    EXPECT_TRUE(result.ok()) << result.status().ToString();
    return result.ok() ? *result : RunResult{};
  }
  std::string Stdout() { return ReadFileOrEmpty(dir_.path() + "/stdout"); }

  // True once `pid` is gone or a zombie (our PID 1 may not reap orphans).
  static bool ProcessGone(pid_t pid, milliseconds within) {
    const auto deadline = std::chrono::steady_clock::now() + within;
    do {
      std::string stat = ReadFileOrEmpty("/proc/" + std::to_string(pid) + "/stat");
      size_t close_paren = stat.rfind(')');
      if (stat.empty() || (close_paren != std::string::npos && stat.substr(close_paren + 2, 1) == "Z")) return true;
      std::this_thread::sleep_for(milliseconds(10));
    } while (std::chrono::steady_clock::now() < deadline);
    return false;
  }
  pid_t PidFromFile(const std::string& name) {
    std::ifstream in(dir_.path() + "/" + name);
    pid_t pid = 0;
    in >> pid;
    return pid;
  }

  TempDir dir_;
  std::unique_ptr<Runner> runner_ = NewProcessRunner();
  std::atomic<bool> not_cancelled_{false};
};

TEST_F(ProcessRunnerTest, ReportsExitCodeAndCapturesStdoutAndStderr) {
  RunResult result = RunOk(Request({"sh", "-c", "echo out; echo err >&2; exit 3"}));
  EXPECT_EQ(result.exit_code, 3);
  EXPECT_FALSE(result.timed_out);
  EXPECT_FALSE(result.cancelled);
  EXPECT_LE(result.started, result.finished);
  EXPECT_EQ(Stdout(), "out\n");
  EXPECT_EQ(ReadFileOrEmpty(dir_.path() + "/stderr"), "err\n");
}

TEST_F(ProcessRunnerTest, DeathBySignalIs128PlusSignal) {
  EXPECT_EQ(RunOk(Request({"sh", "-c", "kill -TERM $$"})).exit_code, 128 + SIGTERM);
}

TEST_F(ProcessRunnerTest, SignalsIgnoredByTheServerAreNotInherited) {
  struct sigaction ignore {}, previous{};
  ignore.sa_handler = SIG_IGN;
  ::sigaction(SIGTERM, &ignore, &previous);
  int exit_code = RunOk(Request({"sh", "-c", "kill -TERM $$; echo survived"})).exit_code;
  ::sigaction(SIGTERM, &previous, nullptr);
  EXPECT_EQ(exit_code, 128 + SIGTERM);
}

TEST_F(ProcessRunnerTest, EnvironmentIsExactlyTheRequestedOne) {
  ::setenv("KILN_SERVER_ONLY", "leak", 1);
  RunRequest request = Request({"/usr/bin/env"});
  request.environment = {{"B", "2"}, {"A", "x=y"}};
  RunOk(request);
  EXPECT_EQ(Stdout(), "B=2\nA=x=y\n");
  ::unsetenv("KILN_SERVER_ONLY");
}

TEST_F(ProcessRunnerTest, ExecutableIsSearchedInTheRequestsPath) {
  std::filesystem::create_directories(dir_.path() + "/bin");
  testing::WriteFile(dir_.path() + "/bin/mytool", "#!/bin/sh\necho mytool ran\n");
  std::filesystem::permissions(dir_.path() + "/bin/mytool", std::filesystem::perms(0755));
  RunRequest request = Request({"mytool"});
  request.environment = {{"PATH", "/nonexistent:" + dir_.path() + "/bin"}};
  RunOk(request);
  EXPECT_EQ(Stdout(), "mytool ran\n");

  request.environment = {{"PATH", "/usr/bin:/bin"}};  // The server's PATH is irrelevant.
  auto missing = runner_->Run(request, not_cancelled_);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(missing.status().message(), "cannot execute \"mytool\": No such file or directory");
}

TEST_F(ProcessRunnerTest, WithoutPathTheDefaultSearchPathIsUsed) {
  RunRequest request = Request({"sh", "-c", "echo ok"});
  request.environment.clear();
  RunOk(request);
  EXPECT_EQ(Stdout(), "ok\n");
}

TEST_F(ProcessRunnerTest, RelativeExecutableResolvesAgainstTheWorkingDirectory) {
  std::filesystem::create_directories(dir_.path() + "/wd/tools");
  testing::WriteFile(dir_.path() + "/wd/tools/script", "echo no shebang, run by sh; pwd\n");
  std::filesystem::permissions(dir_.path() + "/wd/tools/script", std::filesystem::perms(0755));
  RunRequest request = Request({"tools/script"});
  request.working_directory = dir_.path() + "/wd";
  RunOk(request);
  EXPECT_EQ(Stdout(), "no shebang, run by sh\n" + dir_.path() + "/wd\n");
}

TEST_F(ProcessRunnerTest, ExecFailuresAreInvalidArgument) {
  auto missing = runner_->Run(Request({"/nonexistent/tool", "arg"}), not_cancelled_);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(missing.status().message(), "cannot execute \"/nonexistent/tool\": No such file or directory");

  testing::WriteFile(dir_.path() + "/not_executable", "echo hi\n");
  auto denied = runner_->Run(Request({"./not_executable"}), not_cancelled_);
  ASSERT_FALSE(denied.ok());
  EXPECT_EQ(denied.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(denied.status().message().find("Permission denied"), std::string::npos);
}

TEST_F(ProcessRunnerTest, StdinIsEmptyAndNoOtherDescriptorsAreInherited) {
  int leaked = ::open("/dev/null", O_RDONLY);  // Deliberately without O_CLOEXEC.
  ASSERT_GE(leaked, 3);
  RunOk(Request({"sh", "-c", "cat; ls /proc/self/fd"}));
  ::close(leaked);
  // ls itself has fd 3 open while listing; nothing else may be there.
  EXPECT_EQ(Stdout(), "0\n1\n2\n3\n");
}

TEST_F(ProcessRunnerTest, TimeoutKillsTheWholeProcessGroupQuickly) {
  RunRequest request = Request({"sh", "-c", "sleep 100 & echo $! > background.pid; echo started; sleep 100"});
  request.timeout = milliseconds(300);
  const auto start = std::chrono::steady_clock::now();
  RunResult result = RunOk(request);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
  EXPECT_TRUE(result.timed_out);
  EXPECT_EQ(result.exit_code, 128 + SIGKILL);
  EXPECT_EQ(Stdout(), "started\n");  // Output so far is kept.
  pid_t background = PidFromFile("background.pid");
  ASSERT_GT(background, 0);
  EXPECT_TRUE(ProcessGone(background, std::chrono::seconds(2)));
}

TEST_F(ProcessRunnerTest, LeftoverBackgroundProcessesAreKilledWhenTheCommandExits) {
  const auto start = std::chrono::steady_clock::now();
  RunResult result = RunOk(Request({"sh", "-c", "sleep 100 & echo $! > background.pid"}));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_FALSE(result.timed_out);
  pid_t background = PidFromFile("background.pid");
  ASSERT_GT(background, 0);
  EXPECT_TRUE(ProcessGone(background, std::chrono::seconds(2)));
}

TEST_F(ProcessRunnerTest, CancellationKillsTheCommand) {
  std::atomic<bool> cancelled{false};
  std::thread canceller([&cancelled] {
    std::this_thread::sleep_for(milliseconds(150));
    cancelled = true;
  });
  const auto start = std::chrono::steady_clock::now();
  auto result = runner_->Run(Request({"sh", "-c", "sleep 100 & echo $! > background.pid; sleep 100"}), cancelled);
  canceller.join();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_TRUE(result->cancelled);
  EXPECT_FALSE(result->timed_out);
  EXPECT_TRUE(ProcessGone(PidFromFile("background.pid"), std::chrono::seconds(2)));
}

TEST_F(ProcessRunnerTest, TimeoutAlsoKillsACommandThatLeftItsProcessGroup) {
  if (!std::filesystem::exists("/usr/bin/python3")) GTEST_SKIP() << "needs python3 to call setpgid";
  // Joins the worker's own process group (allowed: same session), leaving its own empty.
  RunRequest request =
      Request({"python3", "-c", "import os, time; os.setpgid(0, os.getpgid(os.getppid())); time.sleep(100)"});
  request.timeout = milliseconds(200);
  const auto start = std::chrono::steady_clock::now();
  RunResult result = RunOk(request);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
  EXPECT_TRUE(result.timed_out);
}

TEST_F(ProcessRunnerTest, AlreadyCancelledCommandStopsAtOnce) {
  std::atomic<bool> cancelled{true};
  auto result = runner_->Run(Request({"sleep", "100"}), cancelled);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_TRUE(result->cancelled);
}

TEST_F(ProcessRunnerTest, EmptyArgumentsAreRejected) {
  auto result = runner_->Run(Request({}), not_cancelled_);
  EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace kiln
