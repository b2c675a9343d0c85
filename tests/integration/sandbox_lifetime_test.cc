// Nothing an action started outlives the kiln serve that runs it: kill -9 the server in the
// middle of an action and every process of that action is gone within seconds, whether kiln
// runs as root (its sandbox then switches to another user, which clears the kernel's
// parent-death signal unless it is set again) or unprivileged, sandboxed or not.
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "execution_util.h"
#include "unprivileged_kiln.h"

namespace kiln_test {
namespace {

namespace fs = std::filesystem;

struct Setup {
  bool unprivileged;
  const char* sandbox;
};

std::string Name(const ::testing::TestParamInfo<Setup>& info) {
  return std::string(info.param.unprivileged ? "Unprivileged" : "AsTestUser") + "_" + info.param.sandbox;
}

// How many host processes have `needle` in their command line.
int HostProcessesRunning(const std::string& needle) {
  int count = 0;
  for (const auto& entry : fs::directory_iterator("/proc")) {
    const std::string name = entry.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream in(entry.path() / "cmdline");
    std::stringstream content;
    content << in.rdbuf();
    std::string cmdline = content.str();
    std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
    if (cmdline.find(needle) != std::string::npos) ++count;
  }
  return count;
}

// Polls `condition` every 50 ms for at most `limit`.
template <typename Condition>
bool Eventually(Condition condition, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return true;
}

class SandboxLifetimeTest : public ::testing::TestWithParam<Setup> {};

TEST_P(SandboxLifetimeTest, ActionsDieWithAKilledServer) {
  UnprivilegedKiln user;
  TempDir data_dir;
  std::vector<std::string> launcher = {KILN_BINARY};
  if (GetParam().unprivileged) {
    if (::geteuid() != 0) GTEST_SKIP() << "the test user is not root: AsTestUser covers the unprivileged case";
    if (!user.why_not().empty()) GTEST_SKIP() << user.why_not();
    ASSERT_TRUE(user.HandOver(data_dir.path()));
    launcher = user.launcher();
  }
  std::string error;
  auto server = KilnProcess::StartWith(launcher, data_dir.path(), {"--workers", "1", "--sandbox", GetParam().sandbox}, &error);
  if (!server && std::string(GetParam().sandbox) == "namespaces") GTEST_SKIP() << "no sandbox here: " << error;
  ASSERT_NE(server, nullptr) << error;

  // Unique to this test run: a child in the background and the command itself.
  const std::string tag = std::to_string(::getpid()) + (GetParam().unprivileged ? "1" : "0") +
                          (std::string(GetParam().sandbox) == "none" ? "1" : "0");
  // (The shell's own command line holds both until it execs the second.)
  const std::string background = "sleep 97" + tag, foreground = "sleep 98" + tag;
  ActionSpec spec;
  spec.arguments = {"/bin/sh", "-c", background + " & exec " + foreground};
  spec.environment = {{"PATH", "/usr/bin:/bin"}};
  const reapi::Digest action = UploadAction(server->cas(), spec);
  std::thread client([&] { Execute(server->channel(), action, /*skip_cache_lookup=*/true); });
  EXPECT_TRUE(Eventually([&] { return HostProcessesRunning(foreground) > 0 && HostProcessesRunning(background) > 0; },
                         std::chrono::seconds(20)))
      << "the action never started";

  server->Kill9();
  EXPECT_TRUE(Eventually([&] { return HostProcessesRunning(foreground) == 0; }, std::chrono::seconds(10)))
      << "the command outlived the server";
  if (std::string(GetParam().sandbox) == "namespaces") {
    // Without a sandbox, processes the command started are reparented, out of kiln's reach.
    EXPECT_TRUE(Eventually([&] { return HostProcessesRunning(background) == 0; }, std::chrono::seconds(10)))
        << "a background process outlived the server";
  }
  client.join();
  // Whatever the plain runner could not reach: not left behind for other tests.
  for (const std::string& needle : {background, foreground}) {
    if (HostProcessesRunning(needle) > 0) std::system(("pkill -KILL -f '" + needle + "'").c_str());
  }
}

INSTANTIATE_TEST_SUITE_P(EveryUserAndSandbox, SandboxLifetimeTest,
                         ::testing::Values(Setup{false, "namespaces"}, Setup{false, "none"}, Setup{true, "namespaces"},
                                           Setup{true, "none"}),
                         Name);

}  // namespace
}  // namespace kiln_test
