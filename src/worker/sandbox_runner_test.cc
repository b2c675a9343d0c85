// Runs real commands in the namespace sandbox. Skipped, with the probe's reason, on hosts
// that cannot create the namespaces.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "common/file_util.h"
#include "gtest/gtest.h"
#include "worker/runner.h"

namespace kiln {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;
using Environment = std::vector<std::pair<std::string, std::string>>;

const Environment kPath = {{"PATH", "/usr/bin:/bin"}};

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream content;
  content << in.rdbuf();
  return content.str();
}

void WriteFile(const std::string& path, const std::string& content, mode_t mode) {
  std::ofstream(path) << content;
  ASSERT_EQ(::chmod(path.c_str(), mode), 0);
}

// Whether any process on the host has `needle` in its command line.
bool HostProcessRuns(const std::string& needle) {
  for (const auto& entry : fs::directory_iterator("/proc")) {
    const std::string name = entry.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::string cmdline = ReadFile(entry.path() / "cmdline");
    std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
    if (cmdline.find(needle) != std::string::npos) return true;
  }
  return false;
}

class SandboxRunnerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto runner = NewSandboxRunner(SandboxOptions{});
    if (runner.ok()) {
      runner_ = std::move(runner).value().release();
    } else {
      skip_reason_ = new std::string(runner.status().ToString());
    }
  }
  static void TearDownTestSuite() {
    delete runner_;
    runner_ = nullptr;
    delete skip_reason_;
    skip_reason_ = nullptr;
  }

  void SetUp() override {
    if (runner_ == nullptr) GTEST_SKIP() << *skip_reason_;
    // mkdtemp makes it 0700: the sandbox user cannot search it, as with real work dirs.
    char base[] = "/tmp/kiln-sandbox-test-XXXXXX";
    ASSERT_NE(::mkdtemp(base), nullptr);
    base_ = base;
    input_root_ = base_ + "/root";
    ASSERT_EQ(::mkdir(input_root_.c_str(), 0755), 0);
  }
  void TearDown() override {
    if (!base_.empty()) fs::remove_all(base_);
  }

  RunRequest Request(std::vector<std::string> arguments, Environment environment = kPath) {
    RunRequest request;
    request.arguments = std::move(arguments);
    request.environment = std::move(environment);
    request.input_root = input_root_;
    request.working_directory = input_root_;
    request.stdout_path = base_ + "/stdout";
    request.stderr_path = base_ + "/stderr";
    request.timeout = std::chrono::seconds(20);
    return request;
  }
  StatusOr<RunResult> Run(const RunRequest& request) { return runner_->Run(request, not_cancelled_); }
  // Runs `sh -c script` and returns its exit code.
  int Shell(const std::string& script, bool allow_network = false, const std::string& shell = "sh") {
    RunRequest request = Request({shell, "-c", script});
    request.allow_network = allow_network;
    auto result = Run(request);
    EXPECT_TRUE(result.ok()) << result.status().ToString();
    return result.ok() ? result->exit_code : -1;
  }
  std::string Stdout() { return ReadFile(base_ + "/stdout"); }
  std::string Stderr() { return ReadFile(base_ + "/stderr"); }

  static Runner* runner_;
  static std::string* skip_reason_;
  std::string base_;
  std::string input_root_;
  std::atomic<bool> not_cancelled_{false};
};

Runner* SandboxRunnerTest::runner_ = nullptr;
std::string* SandboxRunnerTest::skip_reason_ = nullptr;

TEST_F(SandboxRunnerTest, ReportsExitCodeAndCapturesStdoutAndStderr) {
  EXPECT_EQ(Shell("echo out; echo err >&2; exit 3"), 3);
  EXPECT_EQ(Stdout(), "out\n");
  EXPECT_EQ(Stderr(), "err\n");
}

TEST_F(SandboxRunnerTest, KilledBySignalIs128PlusSignal) { EXPECT_EQ(Shell("kill -TERM $$"), 128 + SIGTERM); }

TEST_F(SandboxRunnerTest, EnvironmentIsExactlyTheRequests) {
  auto result = Run(Request({"env"}, {{"PATH", "/usr/bin:/bin"}, {"FOO", "bar baz"}}));
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(Stdout(), "PATH=/usr/bin:/bin\nFOO=bar baz\n");
}

TEST_F(SandboxRunnerTest, FindsArgv0OnTheRequestsPath) {
  ASSERT_EQ(::mkdir((input_root_ + "/tools").c_str(), 0755), 0);
  WriteFile(input_root_ + "/tools/hello", "#!/bin/sh\necho hello from tools\n", 0555);
  auto result = Run(Request({"hello"}, {{"PATH", input_root_ + "/tools:/usr/bin:/bin"}}));
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->exit_code, 0);
  EXPECT_EQ(Stdout(), "hello from tools\n");
}

TEST_F(SandboxRunnerTest, RunsInTheWorkingDirectoryWithStdinFromDevNull) {
  ASSERT_EQ(::mkdir((input_root_ + "/sub").c_str(), 0755), 0);
  RunRequest request = Request({"sh", "-c", "/bin/pwd; cat"});
  request.working_directory = input_root_ + "/sub";
  auto result = Run(request);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->exit_code, 0);
  EXPECT_EQ(Stdout(), input_root_ + "/sub\n");
}

TEST_F(SandboxRunnerTest, UnknownExecutableIsInvalidArgument) {
  auto result = Run(Request({"kiln-no-such-tool"}));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(result.status().message().find("cannot execute \"kiln-no-such-tool\""), std::string::npos)
      << result.status().message();
}

TEST_F(SandboxRunnerTest, InputRootIsWritable) {
  ASSERT_EQ(::mkdir((input_root_ + "/staged").c_str(), 0755), 0);  // As the executor creates them.
  EXPECT_EQ(Shell("echo a > staged/a && mkdir -p new/dir && echo b > new/dir/b"), 0) << Stderr();
  EXPECT_EQ(ReadFile(input_root_ + "/staged/a"), "a\n");
  EXPECT_EQ(ReadFile(input_root_ + "/new/dir/b"), "b\n");
}

// Work roots are often reached through a symlink (/var/lib/kiln -> /data/kiln).
TEST_F(SandboxRunnerTest, InputRootBehindASymlink) {
  const std::string link = "/var/tmp/kiln-sandbox-link-" + std::to_string(::getpid());
  fs::create_directory_symlink(base_, link);
  RunRequest request = Request({"sh", "-c", "echo via-link > f && /bin/pwd"});
  request.input_root = request.working_directory = link + "/root";
  auto result = Run(request);
  fs::remove(link);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->exit_code, 0) << Stderr();
  EXPECT_EQ(Stdout(), input_root_ + "\n");
  EXPECT_EQ(ReadFile(input_root_ + "/f"), "via-link\n");
}

TEST_F(SandboxRunnerTest, HostFilesystemIsReadOnly) {
  // /var/tmp is world-writable on the host: only the read-only mount stops the write.
  const std::string var_tmp = "/var/tmp/kiln-sandbox-test-" + std::to_string(::getpid());
  EXPECT_NE(Shell("touch /etc/kiln-sandbox-test"), 0);
  EXPECT_NE(Shell("touch " + var_tmp), 0);
  EXPECT_NE(Stderr().find("Read-only file system"), std::string::npos) << Stderr();
  // The input root's parent is read-only, or (below /tmp) part of the private /tmp.
  Shell("touch ../outside");
  EXPECT_FALSE(fs::exists("/etc/kiln-sandbox-test"));
  EXPECT_FALSE(fs::exists(var_tmp));
  EXPECT_FALSE(fs::exists(base_ + "/outside"));
}

TEST_F(SandboxRunnerTest, CannotRemountTheHostWritable) {
  EXPECT_NE(Shell("mount -o remount,rw / 2>/dev/null"), 0);
  // Not from a nested user namespace either: the mounts are locked there.
  EXPECT_NE(Shell("unshare -rm sh -c 'mount -o remount,rw / && touch /etc/kiln-sandbox-test'"), 0);
  EXPECT_FALSE(fs::exists("/etc/kiln-sandbox-test"));
  EXPECT_EQ(Shell("grep -q '^CapEff:[[:space:]]*0*$' /proc/self/status"), 0) << "the command has capabilities";
}

TEST_F(SandboxRunnerTest, TmpIsWritableAndPrivate) {
  const std::string name = "/tmp/kiln-sandbox-private-" + std::to_string(::getpid());
  std::ofstream(name + "-host") << "host";
  EXPECT_EQ(Shell("echo x > " + name + " && cat " + name + " && test ! -e " + name + "-host"), 0) << Stderr();
  EXPECT_EQ(Stdout(), "x\n");
  EXPECT_FALSE(fs::exists(name));
  fs::remove(name + "-host");
}

// A CAS file (0444, owned by the root server) hardlinked into the input root.
TEST_F(SandboxRunnerTest, HardlinkedCasFileCannotBeModified) {
  if (::geteuid() != 0) GTEST_SKIP() << "only a root server runs the sandbox as a separate user";
  const std::string blob = base_ + "/cas-blob";
  WriteFile(blob, "content\n", 0444);
  ASSERT_EQ(::link(blob.c_str(), (input_root_ + "/f").c_str()), 0);
  EXPECT_NE(Shell("chmod 644 f"), 0);
  EXPECT_NE(Shell("echo x > f"), 0);
  EXPECT_NE(Shell("chmod 644 f; echo x >> f"), 0);
  struct stat st {};
  ASSERT_EQ(::stat(blob.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0444u);
  EXPECT_EQ(st.st_uid, 0u);
  EXPECT_EQ(ReadFile(blob), "content\n");
}

TEST_F(SandboxRunnerTest, RunsInItsOwnPidNamespace) {
  EXPECT_EQ(Shell("echo $$; ls /proc | grep -c '^[0-9][0-9]*$'"), 0) << Stderr();
  std::istringstream lines(Stdout());
  int pid = 0, processes = 0;
  lines >> pid >> processes;
  EXPECT_EQ(pid, 2);             // pid 1 is the sandbox's init.
  EXPECT_LE(processes, 5);       // init, sh, ls, grep.
}

// Init shares the server's memory: the command must not be able to look into it.
TEST_F(SandboxRunnerTest, CannotInspectInit) {
  EXPECT_NE(Shell("cat /proc/1/environ"), 0);
  EXPECT_NE(Shell("cat /proc/1/maps"), 0);
  EXPECT_NE(Shell("cat /proc/1/mem"), 0);
}

TEST_F(SandboxRunnerTest, RunsConcurrently) {
  constexpr int kRuns = 4;
  std::vector<std::thread> threads;
  std::vector<StatusOr<RunResult>> results(kRuns, Status::Internal("not run"));
  for (int i = 0; i < kRuns; ++i) {
    const std::string root = base_ + "/root" + std::to_string(i);
    ASSERT_EQ(::mkdir(root.c_str(), 0755), 0);
    RunRequest request = Request({"sh", "-c", "sleep 0.2; echo $$ > pid; ls /proc | grep -c '^[0-9][0-9]*$'"});
    request.input_root = request.working_directory = root;
    request.stdout_path = root + ".stdout";
    request.stderr_path = root + ".stderr";
    threads.emplace_back([this, request, &results, i] { results[i] = Run(request); });
  }
  for (std::thread& thread : threads) thread.join();
  for (int i = 0; i < kRuns; ++i) {
    const std::string root = base_ + "/root" + std::to_string(i);
    ASSERT_TRUE(results[i].ok()) << results[i].status().ToString();
    EXPECT_EQ(results[i]->exit_code, 0) << ReadFile(root + ".stderr");
    EXPECT_EQ(ReadFile(root + "/pid"), "2\n");
    EXPECT_LE(std::stoi(ReadFile(root + ".stdout")), 4);  // Each sees only its own processes.
  }
}

TEST_F(SandboxRunnerTest, OnlyTheReadOnlyPathsAreVisible) {
  SandboxOptions options;
  options.read_only_paths = {"/usr", "/bin", "/lib"};
  if (fs::exists("/lib64")) options.read_only_paths.push_back("/lib64");
  auto runner = NewSandboxRunner(options);
  ASSERT_TRUE(runner.ok()) << runner.status().ToString();
  auto result = (*runner)->Run(Request({"sh", "-c", "ls /; test -e /etc/passwd && exit 10; touch /usr/x && exit 11; exit 0"}),
                              not_cancelled_);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->exit_code, 0);
  EXPECT_NE(Stderr().find("Read-only file system"), std::string::npos) << Stderr();
  std::string listing = Stdout();
  for (const char* expected : {"bin\n", "dev\n", "lib\n", "proc\n", "tmp\n", "usr\n"}) {
    EXPECT_NE(listing.find(expected), std::string::npos) << listing;
  }
  EXPECT_EQ(listing.find("etc\n"), std::string::npos) << listing;
  EXPECT_EQ(listing.find("var\n"), std::string::npos) << listing;
}

class HostListener {
 public:
  HostListener() {
    fd_ = UniqueFd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof(address);
    EXPECT_EQ(::bind(fd_.get(), reinterpret_cast<sockaddr*>(&address), length), 0);
    EXPECT_EQ(::listen(fd_.get(), 4), 0);
    EXPECT_EQ(::getsockname(fd_.get(), reinterpret_cast<sockaddr*>(&address), &length), 0);
    port_ = ntohs(address.sin_port);
  }
  int port() const { return port_; }

 private:
  UniqueFd fd_;
  int port_ = 0;
};

TEST_F(SandboxRunnerTest, HasNoNetworkButLoopbackByDefault) {
  HostListener listener;
  // bash, for its /dev/tcp.
  EXPECT_NE(Shell("echo > /dev/tcp/127.0.0.1/" + std::to_string(listener.port()), false, "bash"), 0);
  EXPECT_NE(Stderr().find("refused"), std::string::npos) << Stderr();
  EXPECT_EQ(Shell("tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '"), 0);
  EXPECT_EQ(Stdout(), "lo\n");
  // `lo` is up: a closed port refuses instead of the network being unreachable.
  EXPECT_NE(Shell("echo > /dev/tcp/127.0.0.1/1", false, "bash"), 0);
  EXPECT_NE(Stderr().find("refused"), std::string::npos) << Stderr();
}

// Network namespaces are pooled (for a root server): one comes back only as fresh as new.
TEST_F(SandboxRunnerTest, NoActionSeesTheSocketsOfAnEarlierOne) {
  // A loopback connection closed by its client first: the client's end stays in TIME_WAIT.
  const std::string leave_time_wait =
      "import socket\n"
      "l = socket.socket(); l.bind(('127.0.0.1', 0)); l.listen(1)\n"
      "c = socket.create_connection(l.getsockname()); s, _ = l.accept()\n"
      "c.close(); s.close(); l.close()\n";
  for (int round = 0; round < 3; ++round) {
    SCOPED_TRACE(round);
    EXPECT_EQ(Shell("cat /proc/net/tcp /proc/net/tcp6 | grep -cv local_address"), 1) << Stdout();
    EXPECT_EQ(Stdout(), "0\n");
    auto made = Run(Request({"python3", "-c", leave_time_wait}));
    ASSERT_TRUE(made.ok()) << made.status().ToString();
    ASSERT_EQ(made->exit_code, 0) << Stderr();
  }
}

// What a server without CAP_SYS_ADMIN gets: a new namespace per sandbox, `lo` brought up
// by the sandbox's init.
TEST(SandboxRunnerOwnNetworkTest, EachSandboxMakesItsOwnNamespaceWithLoopbackUp) {
  SandboxOptions options;
  options.pool_network_namespaces = false;
  auto runner = NewSandboxRunner(options);
  if (!runner.ok()) GTEST_SKIP() << runner.status().ToString();
  char base[] = "/tmp/kiln-sandbox-test-XXXXXX";
  ASSERT_NE(::mkdtemp(base), nullptr);
  const std::string root = std::string(base) + "/root";
  ASSERT_EQ(::mkdir(root.c_str(), 0755), 0);
  std::vector<std::string> seen;
  for (int round = 0; round < 2; ++round) {
    RunRequest request;
    // bash, for its /dev/tcp: a closed port on an `lo` that is up refuses the connection.
    request.arguments = {"bash", "-c",
                         "tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '; (echo > /dev/tcp/127.0.0.1/1) 2>&1 | "
                         "grep -q refused && echo refused; readlink /proc/self/ns/net"};
    request.environment = {{"PATH", "/usr/bin:/bin"}};
    request.input_root = request.working_directory = root;
    request.stdout_path = std::string(base) + "/stdout";
    request.stderr_path = std::string(base) + "/stderr";
    request.timeout = std::chrono::seconds(20);
    const std::atomic<bool> not_cancelled{false};
    auto result = (*runner)->Run(request, not_cancelled);
    ASSERT_TRUE(result.ok()) << result.status().ToString();
    EXPECT_EQ(result->exit_code, 0) << ReadFile(request.stderr_path);
    const std::string out = ReadFile(request.stdout_path);
    EXPECT_EQ(out.rfind("lo\nrefused\nnet:", 0), 0u) << "[" << out << "]";
    seen.push_back(out.substr(out.rfind("net:")));
  }
  EXPECT_NE(seen[0], seen[1]);
  fs::remove_all(base);
}

TEST_F(SandboxRunnerTest, AllowNetworkKeepsTheHostNetwork) {
  HostListener listener;
  EXPECT_EQ(Shell("echo > /dev/tcp/127.0.0.1/" + std::to_string(listener.port()), /*allow_network=*/true, "bash"), 0)
      << Stderr();
}

// A sleep whose command line no other process on the host has (test runs may overlap).
std::string UniqueSleep(int n) { return "sleep " + std::to_string(::getpid()) + "0" + std::to_string(n); }

// The action ends when its command does: what it left running is killed then, not waited
// for until the timeout, and cannot write into the input root while outputs are collected.
TEST_F(SandboxRunnerTest, LeftoverBackgroundProcessesAreKilledWhenTheCommandExits) {
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(Shell("(sleep 1; echo late > late) & setsid " + UniqueSleep(5) + " & echo done"), 0);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
  EXPECT_EQ(Stdout(), "done\n");
  EXPECT_FALSE(HostProcessRuns(UniqueSleep(5)));
  std::this_thread::sleep_for(milliseconds(1200));
  EXPECT_FALSE(fs::exists(input_root_ + "/late"));
}

TEST_F(SandboxRunnerTest, TimeoutKillsEveryProcess) {
  RunRequest request = Request({"sh", "-c", "setsid " + UniqueSleep(1) + " & " + UniqueSleep(2)});
  request.timeout = milliseconds(300);
  const auto start = std::chrono::steady_clock::now();
  auto result = Run(request);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
  EXPECT_TRUE(result->timed_out);
  EXPECT_FALSE(result->cancelled);
  EXPECT_EQ(result->exit_code, 128 + SIGKILL);
  EXPECT_FALSE(HostProcessRuns(UniqueSleep(1)));
  EXPECT_FALSE(HostProcessRuns(UniqueSleep(2)));
}

TEST_F(SandboxRunnerTest, CancellationKillsEveryProcess) {
  std::atomic<bool> cancelled{false};
  std::thread canceller([&] {
    std::this_thread::sleep_for(milliseconds(200));
    cancelled = true;
  });
  const auto start = std::chrono::steady_clock::now();
  auto result = runner_->Run(Request({"sh", "-c", UniqueSleep(3) + " & " + UniqueSleep(4)}), cancelled);
  canceller.join();
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
  EXPECT_TRUE(result->cancelled);
  EXPECT_FALSE(result->timed_out);
  EXPECT_FALSE(HostProcessRuns(UniqueSleep(3)));
  EXPECT_FALSE(HostProcessRuns(UniqueSleep(4)));
}

}  // namespace
}  // namespace kiln
