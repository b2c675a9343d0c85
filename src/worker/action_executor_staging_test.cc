// The executor against a DiskBlobStore (when inputs are hardlinked, and that an action can
// never damage the CAS through them), and the RunRequest it builds (timeouts, network,
// environment, paths), observed with a recording runner.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "cas/disk_blob_store.h"
#include "cas/memory_blob_store.h"
#include "testing/temp_dir.h"
#include "testing/ticking_clock.h"
#include "worker/action_executor.h"
#include "worker/test_inputs.h"

namespace kiln {
namespace {

using namespace kiln::testing;  // NOLINT: test helpers

reapi::Command ShellCommand(const std::string& script) {
  reapi::Command command;
  for (const char* argument : {"sh", "-c"}) command.add_arguments(argument);
  command.add_arguments(script);
  return command;
}

struct stat Stat(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st;
}

class ExecutorOnDiskCasTest : public ::testing::Test {
 protected:
  void SetUp() override {
    DiskBlobStoreOptions cas_options;
    cas_options.root = cas_dir_.path();
    auto store = DiskBlobStore::Open(cas_options);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    cas_ = std::move(store).value();
    options_.work_root = work_root_.path();
    options_.cas = cas_.get();
    options_.runner = runner_.get();
    options_.local_blob_path = [this](const Digest& digest) { return cas_->PathFor(digest); };
  }

  ExecutionOutcome Execute(const reapi::Command& command, const reapi::Directory& root) {
    reapi::Action action;
    *action.mutable_command_digest() = ToProto(PutMessage(*cas_, command));
    *action.mutable_input_root_digest() = ToProto(PutMessage(*cas_, root));
    return ActionExecutor(options_).Execute(PutMessage(*cas_, action), action, command, cancelled_);
  }

  TempDir cas_dir_, work_root_;
  std::unique_ptr<DiskBlobStore> cas_;
  std::unique_ptr<Runner> runner_ = NewProcessRunner();
  ActionExecutorOptions options_;
  std::atomic<bool> cancelled_{false};
};

// The default policy copies inputs, whoever the worker runs as: root can write a 0444
// hardlink, and the files' owner can chmod it first; either would change the blob for
// everyone. The action changes only its own copies.
TEST_F(ExecutorOnDiskCasTest, AnActionWritingItsInputsCannotChangeTheCas) {
  const Digest input = PutBlob(*cas_, "original\n");
  const Digest tool = PutBlob(*cas_, "#!/bin/sh\necho tool\n");
  reapi::Directory root;
  AddFile(root, "in.txt", input);
  AddFile(root, "tool", tool, /*executable=*/true);
  ExecutionOutcome outcome = Execute(
      ShellCommand("chmod 777 in.txt tool; echo tampered >> in.txt; echo tampered >> tool; touch -d 2001-01-01 in.txt; "
                   "cat in.txt"),
      root);
  ASSERT_TRUE(outcome.status.ok()) << outcome.status.ToString();
  EXPECT_EQ(BlobText(*cas_, outcome.result.stdout_digest()), "original\ntampered\n");
  for (const Digest& digest : {input, tool}) {
    struct stat st = Stat(cas_->PathFor(digest));
    EXPECT_EQ(st.st_mode & 07777, 0444u);
    EXPECT_EQ(st.st_nlink, 1u);  // The work directory's link is gone too.
  }
  EXPECT_EQ(ReadFileOrEmpty(cas_->PathFor(input)), "original\n");
  EXPECT_EQ(*ReadBlob(*cas_, input), "original\n");
  EXPECT_EQ(*ReadBlob(*cas_, tool), "#!/bin/sh\necho tool\n");
}

TEST_F(ExecutorOnDiskCasTest, InputHardlinkPolicyDecidesBetweenLinkAndCopy) {
  const Digest input = PutBlob(*cas_, "linked?\n");
  const Digest tool = PutBlob(*cas_, "#!/bin/sh\n");
  reapi::Directory root;
  AddFile(root, "in.txt", input);
  AddFile(root, "tool", tool, /*executable=*/true);
  const reapi::Command command = ShellCommand("stat -c '%i %a' in.txt tool");
  const std::string cas_inode = std::to_string(Stat(cas_->PathFor(input)).st_ino);
  const std::string tool_inode = std::to_string(Stat(cas_->PathFor(tool)).st_ino);
  struct Case {
    InputHardlinks policy;
    bool linked;
  };
  for (Case c : {Case{InputHardlinks::kAlways, true}, Case{InputHardlinks::kNever, false}}) {
    options_.input_hardlinks = c.policy;
    ExecutionOutcome outcome = Execute(command, root);
    ASSERT_TRUE(outcome.status.ok()) << outcome.status.ToString();
    const std::string listing = BlobText(*cas_, outcome.result.stdout_digest());
    EXPECT_EQ(listing.rfind(cas_inode + " 444\n", 0) == 0, c.linked) << listing;
    EXPECT_EQ(listing.find(tool_inode + " "), std::string::npos) << "executables are always copies";
    EXPECT_NE(listing.find(" 555\n"), std::string::npos) << listing;
  }
  EXPECT_EQ(Stat(cas_->PathFor(tool)).st_mode & 07777, 0444u);
  EXPECT_EQ(Stat(cas_->PathFor(input)).st_nlink, 1u);
}

// Records the request instead of running anything.
class RecordingRunner final : public Runner {
 public:
  StatusOr<RunResult> Run(const RunRequest& request, const std::atomic<bool>&) override {
    requests.push_back(request);
    RunResult result;
    result.started = result.finished = std::chrono::system_clock::now();
    return result;
  }
  std::vector<RunRequest> requests;
};

class ExecutorRequestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    options_.work_root = work_root_.path();
    options_.cas = &cas_;
    options_.runner = &runner_;
    options_.default_timeout = std::chrono::minutes(5);
    options_.max_timeout = std::chrono::hours(1);
    options_.clock = &stopped_clock_;  // Staging takes no time: the command gets the whole timeout.
  }
  ExecutionOutcome Execute(const reapi::Action& base, const reapi::Command& command,
                           const reapi::Directory& input_root = reapi::Directory()) {
    reapi::Action action = base;
    *action.mutable_command_digest() = ToProto(PutMessage(cas_, command));
    *action.mutable_input_root_digest() = ToProto(PutMessage(cas_, input_root));
    return ActionExecutor(options_).Execute(PutMessage(cas_, action), action, command, cancelled_);
  }
  const RunRequest& Run(const reapi::Action& base, const reapi::Command& command,
                        const reapi::Directory& input_root = reapi::Directory()) {
    ExecutionOutcome outcome = Execute(base, command, input_root);
    EXPECT_TRUE(outcome.status.ok()) << outcome.status.ToString();
    return runner_.requests.back();
  }
  reapi::Directory TenFiles() {
    reapi::Directory root;
    for (int i = 0; i < 10; ++i) AddFile(root, "f" + std::to_string(i), PutBlob(cas_, std::to_string(i)));
    return root;
  }

  FakeClock stopped_clock_;
  TempDir work_root_;
  MemoryBlobStore cas_;
  RecordingRunner runner_;
  ActionExecutorOptions options_;
  std::atomic<bool> cancelled_{false};
};

TEST_F(ExecutorRequestTest, TimeoutDefaultsAndIsCapped) {
  reapi::Action action;
  EXPECT_EQ(Run(action, ShellCommand("true")).timeout, std::chrono::minutes(5));
  action.mutable_timeout()->set_seconds(30);
  EXPECT_EQ(Run(action, ShellCommand("true")).timeout, std::chrono::seconds(30));
  action.mutable_timeout()->set_seconds(10 * 3600);
  EXPECT_EQ(Run(action, ShellCommand("true")).timeout, std::chrono::hours(1));
}

TEST_F(ExecutorRequestTest, StagingCountsAgainstTheTimeout) {
  TickingClock clock(std::chrono::seconds(1));  // Each look at the clock while staging: 1 s.
  options_.clock = &clock;
  reapi::Action action;
  action.mutable_timeout()->set_seconds(100);
  const RunRequest& request = Run(action, ShellCommand("true"), TenFiles());
  const int64_t reads = clock.reads();
  EXPECT_GT(reads, 10) << "the deadline is checked for every file";
  // The command gets what staging left: the reads after the start, 1 s each.
  EXPECT_EQ(request.timeout, std::chrono::seconds(100) - std::chrono::seconds(reads - 1));
}

TEST_F(ExecutorRequestTest, StagingThatOutlastsTheTimeoutIsDeadlineExceededAndRunsNothing) {
  TickingClock clock(std::chrono::seconds(1));
  options_.clock = &clock;
  reapi::Action action;
  action.mutable_timeout()->set_seconds(5);
  ExecutionOutcome outcome = Execute(action, ShellCommand("true"), TenFiles());
  EXPECT_EQ(outcome.status.code(), StatusCode::kDeadlineExceeded) << outcome.status.ToString();
  EXPECT_EQ(outcome.status.message().rfind("the action timed out after 5s: the inputs were still being staged", 0), 0u)
      << outcome.status.message();
  EXPECT_TRUE(runner_.requests.empty()) << "the command must not start";
  EXPECT_FALSE(outcome.result.execution_metadata().has_execution_start_timestamp());
  EXPECT_TRUE(std::filesystem::is_empty(work_root_.path())) << "what was staged is removed";
}

TEST_F(ExecutorRequestTest, NetworkOnlyWhenThePlatformAsksForIt) {
  reapi::Action action;
  EXPECT_FALSE(Run(action, ShellCommand("true")).allow_network);
  auto* property = action.mutable_platform()->add_properties();
  property->set_name("dockerNetwork");
  property->set_value("standard");
  EXPECT_TRUE(Run(action, ShellCommand("true")).allow_network);
  property->set_name("network");
  property->set_value("on");
  EXPECT_TRUE(Run(action, ShellCommand("true")).allow_network);
  property->set_value("off");
  EXPECT_FALSE(Run(action, ShellCommand("true")).allow_network);
}

TEST_F(ExecutorRequestTest, CommandIsPassedThroughWithAbsolutePathsInTheWorkDirectory) {
  reapi::Command command = ShellCommand("true");
  command.set_working_directory("sub/dir");
  auto* variable = command.add_environment_variables();
  variable->set_name("LANG");
  variable->set_value("C");
  const RunRequest& request = Run(reapi::Action(), command);
  EXPECT_EQ(request.arguments, (std::vector<std::string>{"sh", "-c", "true"}));
  EXPECT_EQ(request.environment, (std::vector<std::pair<std::string, std::string>>{{"LANG", "C"}}));
  EXPECT_EQ(request.input_root.rfind(work_root_.path() + "/", 0), 0u);
  EXPECT_EQ(request.working_directory, request.input_root + "/sub/dir");
  EXPECT_EQ(request.stdout_path.find(request.input_root + "/"), std::string::npos);
  EXPECT_NE(request.stdout_path, request.stderr_path);
  EXPECT_TRUE(std::filesystem::is_empty(work_root_.path()));
}

}  // namespace
}  // namespace kiln
