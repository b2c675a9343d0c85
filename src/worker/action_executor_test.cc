// Whole actions through the plain process runner: inputs in, outputs and logs out, and the
// status for each way an action can end. Every test also checks that the work directory
// is gone afterwards.
#include "worker/action_executor.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

#include "cas/memory_blob_store.h"
#include "testing/temp_dir.h"
#include "worker/test_inputs.h"

namespace kiln {
namespace {

using namespace kiln::testing;  // NOLINT: test helpers
namespace fs = std::filesystem;

reapi::Command ShellCommand(const std::string& script) {
  reapi::Command command;
  command.add_arguments("sh");
  command.add_arguments("-c");
  command.add_arguments(script);
  auto* path = command.add_environment_variables();
  path->set_name("PATH");
  path->set_value("/usr/bin:/bin");
  return command;
}

class ActionExecutorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    options_.work_root = work_root_.path() + "/work";
    options_.worker_id = "test-worker";
    options_.cas = &cas_;
    options_.runner = runner_.get();
  }
  void TearDown() override {
    // Whatever happened, no work directory is left behind.
    EXPECT_TRUE(!fs::exists(options_.work_root) || fs::is_empty(options_.work_root));
  }

  ExecutionOutcome Execute(const reapi::Command& command, const Digest& input_root,
                           std::optional<std::chrono::milliseconds> timeout = std::nullopt) {
    const DigestFunction function = input_root.function();
    reapi::Action action;
    *action.mutable_command_digest() = ToProto(PutMessage(cas_, command, function));
    *action.mutable_input_root_digest() = ToProto(input_root);
    if (timeout) action.mutable_timeout()->set_nanos(static_cast<int32_t>(timeout->count() * 1'000'000));
    *action.mutable_platform() = platform_;
    ActionExecutor executor(options_);
    return executor.Execute(PutMessage(cas_, action, function), action, command, cancelled_);
  }
  Digest EmptyRoot(DigestFunction function = DigestFunction::kSha256) {
    return PutMessage(cas_, reapi::Directory(), function);
  }

  TempDir work_root_;
  MemoryBlobStore cas_;
  std::unique_ptr<Runner> runner_ = NewProcessRunner();
  ActionExecutorOptions options_;
  std::atomic<bool> cancelled_{false};
  reapi::Platform platform_;  // The Action's.
};

TEST_F(ActionExecutorTest, RunsTheCommandOnStagedInputsAndCollectsOutputs) {
  reapi::Directory nested;
  AddFile(nested, "deep.txt", PutBlob(cas_, "deep\n"));
  reapi::Directory sub;
  AddDirectory(sub, "nested", PutMessage(cas_, nested));
  reapi::Directory root;
  AddFile(root, "a.txt", PutBlob(cas_, "hello\n"));
  AddFile(root, "tool.sh", PutBlob(cas_, "#!/bin/sh\necho tool:$1\n"), /*executable=*/true);
  AddDirectory(root, "sub", PutMessage(cas_, sub));
  AddSymlink(root, "link", "a.txt");
  const std::string script =
      "cat a.txt; ./tool.sh arg; cat sub/nested/deep.txt; readlink link;"
      "echo made > out/file.txt;"
      "printf '#!/bin/sh\\n' > out/exe; chmod 755 out/exe;"
      "mkdir -p out/dir/y; echo x > out/dir/x; echo z > out/dir/y/z; ln -s x out/dir/s;"
      "ln -s ../a.txt out/sym";
  reapi::Command command = ShellCommand(script);
  for (const char* path : {"out/dir", "out/exe", "out/file.txt", "out/missing", "out/sym"}) command.add_output_paths(path);

  ExecutionOutcome outcome = Execute(command, PutMessage(cas_, root));
  ASSERT_TRUE(outcome.status.ok()) << outcome.status.ToString();
  const reapi::ActionResult& result = outcome.result;
  EXPECT_EQ(result.exit_code(), 0);
  EXPECT_EQ(BlobText(cas_, result.stdout_digest()), "hello\ntool:arg\ndeep\na.txt\n");
  EXPECT_EQ(BlobText(cas_, result.stderr_digest()), "");

  ASSERT_EQ(result.output_files_size(), 2);
  EXPECT_EQ(result.output_files(0).path(), "out/exe");
  EXPECT_TRUE(result.output_files(0).is_executable());
  EXPECT_EQ(result.output_files(1).path(), "out/file.txt");
  EXPECT_FALSE(result.output_files(1).is_executable());
  EXPECT_EQ(BlobText(cas_, result.output_files(1).digest()), "made\n");

  ASSERT_EQ(result.output_directories_size(), 1);
  reapi::Tree tree;
  ASSERT_TRUE(tree.ParseFromString(BlobText(cas_, result.output_directories(0).tree_digest())));
  ASSERT_EQ(tree.root().files_size(), 1);
  EXPECT_EQ(tree.root().files(0).name(), "x");
  ASSERT_EQ(tree.root().symlinks_size(), 1);
  EXPECT_EQ(tree.root().symlinks(0).target(), "x");
  ASSERT_EQ(tree.children_size(), 1);
  EXPECT_EQ(BlobText(cas_, tree.children(0).files(0).digest()), "z\n");

  ASSERT_EQ(result.output_symlinks_size(), 1);
  EXPECT_EQ(result.output_symlinks(0).path(), "out/sym");
  EXPECT_EQ(result.output_symlinks(0).target(), "../a.txt");
}

TEST_F(ActionExecutorTest, NonZeroExitIsStillOkAndOutputsAreCollected) {
  reapi::Command command = ShellCommand("echo partial > o; echo failing >&2; exit 7");
  command.add_output_paths("o");
  ExecutionOutcome outcome = Execute(command, EmptyRoot());
  ASSERT_TRUE(outcome.status.ok()) << outcome.status.ToString();
  EXPECT_EQ(outcome.result.exit_code(), 7);
  EXPECT_EQ(outcome.result.output_files_size(), 1);
  EXPECT_EQ(BlobText(cas_, outcome.result.stderr_digest()), "failing\n");
  EXPECT_EQ(outcome.result.stdout_digest().hash(), Digest::Empty(DigestFunction::kSha256).hash());
}

TEST_F(ActionExecutorTest, OutputParentsAndWorkingDirectoryAreCreated) {
  reapi::Command command = ShellCommand("pwd > a/b/where; echo d > dir/f 2>/dev/null; mkdir dir; echo d > dir/f");
  command.set_working_directory("wd");
  command.add_output_paths("a/b/where");
  command.add_output_paths("dir");
  ExecutionOutcome outcome = Execute(command, EmptyRoot());
  ASSERT_TRUE(outcome.status.ok()) << outcome.status.ToString();
  EXPECT_EQ(outcome.result.exit_code(), 0);
  ASSERT_EQ(outcome.result.output_files_size(), 1);
  EXPECT_EQ(outcome.result.output_files(0).path(), "a/b/where");
  const std::string where = BlobText(cas_, outcome.result.output_files(0).digest());
  EXPECT_NE(where.find("/root/wd\n"), std::string::npos) << where;
  EXPECT_EQ(outcome.result.output_directories_size(), 1);  // Created by the command itself.
}

TEST_F(ActionExecutorTest, DirectoryOnlyFormatReportsTheRootDirectory) {
  reapi::Command command = ShellCommand("mkdir -p gen/sub; echo f > gen/sub/f");
  command.add_output_paths("gen");
  command.set_output_directory_format(reapi::Command::DIRECTORY_ONLY);
  ExecutionOutcome outcome = Execute(command, EmptyRoot());
  ASSERT_TRUE(outcome.status.ok()) << outcome.status.ToString();
  const reapi::OutputDirectory& output = outcome.result.output_directories(0);
  ASSERT_TRUE(output.has_root_directory_digest());
  reapi::Directory root;
  ASSERT_TRUE(root.ParseFromString(BlobText(cas_, output.root_directory_digest())));
  ASSERT_EQ(root.directories_size(), 1);
  reapi::Directory sub;
  ASSERT_TRUE(sub.ParseFromString(BlobText(cas_, root.directories(0).digest())));
  EXPECT_EQ(BlobText(cas_, sub.files(0).digest()), "f\n");
}

TEST_F(ActionExecutorTest, TimeoutIsDeadlineExceededWithPartialLogs) {
  reapi::Command command = ShellCommand("echo before; echo err >&2; sleep 100 & sleep 100");
  command.add_output_paths("never");
  const auto start = std::chrono::steady_clock::now();
  ExecutionOutcome outcome = Execute(command, EmptyRoot(), std::chrono::milliseconds(300));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_EQ(outcome.status.code(), StatusCode::kDeadlineExceeded) << outcome.status.ToString();
  EXPECT_EQ(outcome.status.message(), "the action timed out after 0.3s");
  EXPECT_EQ(BlobText(cas_, outcome.result.stdout_digest()), "before\n");
  EXPECT_EQ(BlobText(cas_, outcome.result.stderr_digest()), "err\n");
  EXPECT_TRUE(outcome.result.execution_metadata().has_execution_completed_timestamp());
}

TEST_F(ActionExecutorTest, CancellationIsCancelled) {
  std::thread canceller([this] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    cancelled_ = true;
  });
  ExecutionOutcome outcome = Execute(ShellCommand("echo started; sleep 100"), EmptyRoot());
  canceller.join();
  EXPECT_EQ(outcome.status.code(), StatusCode::kCancelled) << outcome.status.ToString();
  EXPECT_EQ(BlobText(cas_, outcome.result.stdout_digest()), "started\n");
}

TEST_F(ActionExecutorTest, MissingInputBlobIsFailedPreconditionNamingIt) {
  const Digest absent = ComputeDigest(DigestFunction::kSha256, "not uploaded");
  reapi::Directory root;
  AddFile(root, "input.txt", absent);
  ExecutionOutcome outcome = Execute(ShellCommand("true"), PutMessage(cas_, root));
  EXPECT_EQ(outcome.status.code(), StatusCode::kFailedPrecondition);
  const std::string subject = "blobs/" + absent.hash() + "/" + std::to_string(absent.size());
  EXPECT_NE(outcome.status.message().find(subject), std::string::npos) << outcome.status.message();
  EXPECT_EQ(outcome.status.missing_blobs(), std::vector<std::string>{subject});
  EXPECT_FALSE(outcome.result.execution_metadata().has_execution_start_timestamp());
}

TEST_F(ActionExecutorTest, UnexecutableCommandIsInvalidArgument) {
  reapi::Command command;
  command.add_arguments("/no/such/compiler");
  ExecutionOutcome outcome = Execute(command, EmptyRoot());
  EXPECT_EQ(outcome.status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(outcome.status.message().find("cannot execute \"/no/such/compiler\""), std::string::npos);
}

TEST_F(ActionExecutorTest, ReadOnlyLeftoversAreRemoved) {
  reapi::Directory root;
  AddFile(root, "in.txt", PutBlob(cas_, "in"));
  // TearDown checks that the work root is empty.
  ExecutionOutcome outcome = Execute(ShellCommand("mkdir -p ro/sub; touch ro/sub/f; chmod 0 ro/sub; chmod 0555 ro .; "
                                                  "chmod 0 in.txt"),
                                     PutMessage(cas_, root));
  EXPECT_TRUE(outcome.status.ok()) << outcome.status.ToString();
}

TEST_F(ActionExecutorTest, MetadataTimestampsAreInPhaseOrder) {
  ExecutionOutcome outcome = Execute(ShellCommand("sleep 0.01"), EmptyRoot());
  ASSERT_TRUE(outcome.status.ok()) << outcome.status.ToString();
  const reapi::ExecutedActionMetadata& metadata = outcome.result.execution_metadata();
  EXPECT_EQ(metadata.worker(), "test-worker");
  auto nanos = [](const google::protobuf::Timestamp& t) { return t.seconds() * 1'000'000'000 + t.nanos(); };
  const std::vector<int64_t> phases = {
      nanos(metadata.worker_start_timestamp()),         nanos(metadata.input_fetch_start_timestamp()),
      nanos(metadata.input_fetch_completed_timestamp()), nanos(metadata.execution_start_timestamp()),
      nanos(metadata.execution_completed_timestamp()),   nanos(metadata.output_upload_start_timestamp()),
      nanos(metadata.output_upload_completed_timestamp()), nanos(metadata.worker_completed_timestamp())};
  EXPECT_GT(phases[0], 0);
  EXPECT_TRUE(std::is_sorted(phases.begin(), phases.end()));
  EXPECT_GE(phases[4] - phases[3], 10'000'000);  // The sleep is inside the execution phase.
}

TEST_F(ActionExecutorTest, Sha1ActionsGetSha1Digests) {
  reapi::Directory root;
  AddFile(root, "in", PutBlob(cas_, "sha1 input\n", DigestFunction::kSha1));
  reapi::Command command = ShellCommand("cat in; cp in out; mkdir d; cp in d/f");
  command.add_output_paths("out");
  command.add_output_paths("d");
  ExecutionOutcome outcome = Execute(command, PutMessage(cas_, root, DigestFunction::kSha1));
  ASSERT_TRUE(outcome.status.ok()) << outcome.status.ToString();
  const Digest expected = ComputeDigest(DigestFunction::kSha1, "sha1 input\n");
  EXPECT_EQ(outcome.result.stdout_digest().hash(), expected.hash());
  EXPECT_EQ(outcome.result.output_files(0).digest().hash(), expected.hash());
  EXPECT_EQ(outcome.result.output_directories(0).tree_digest().hash().size(), 40u);
  EXPECT_EQ(BlobText(cas_, outcome.result.output_files(0).digest(), DigestFunction::kSha1), "sha1 input\n");
}


namespace limits {

void AskFor(reapi::Platform& platform, const std::string& name, const std::string& value) {
  auto* property = platform.add_properties();
  property->set_name(name);
  property->set_value(value);
}

class ActionExecutorLimitsTest : public ActionExecutorTest {
 protected:
  void SetUp() override {
    ActionExecutorTest::SetUp();
    options_.limits = DefaultActionLimitPolicy();
  }
};

TEST_F(ActionExecutorLimitsTest, LogsPastTheirLimitAreResourceExhaustedNamingTheLimit) {
  options_.limits.defaults.max_log_bytes = 64 << 10;
  ExecutionOutcome outcome = Execute(ShellCommand("head -c 1048576 /dev/zero; sleep 20"), EmptyRoot());
  EXPECT_EQ(outcome.status.code(), StatusCode::kResourceExhausted) << outcome.status.ToString();
  EXPECT_NE(outcome.status.message().find("--action-max-log-bytes"), std::string::npos) << outcome.status.message();
  EXPECT_TRUE(outcome.result.has_stdout_digest()) << "what it printed is kept";
}

TEST_F(ActionExecutorLimitsTest, AFilePastItsLimitIsResourceExhausted) {
  options_.limits.defaults.max_file_bytes = 64 << 10;
  ExecutionOutcome outcome = Execute(ShellCommand("exec head -c 1048576 /dev/zero > out"), EmptyRoot());
  EXPECT_EQ(outcome.status.code(), StatusCode::kResourceExhausted) << outcome.status.ToString();
  EXPECT_NE(outcome.status.message().find("65536 bytes per file"), std::string::npos) << outcome.status.message();
}

// A sparse file is cheap to make and counts with its apparent size: refused before a byte
// of it is hashed or stored.
TEST_F(ActionExecutorLimitsTest, OutputsPastTheirLimitAreRefusedBeforeUpload) {
  options_.limits.defaults.max_output_bytes = 1 << 20;
  reapi::Command command = ShellCommand("head -c 1000 /dev/urandom > a; truncate -s 4G b");
  command.add_output_paths("a");
  command.add_output_paths("b");
  ExecutionOutcome outcome = Execute(command, EmptyRoot());
  EXPECT_EQ(outcome.status.code(), StatusCode::kResourceExhausted) << outcome.status.ToString();
  EXPECT_NE(outcome.status.message().find("--action-max-output-bytes"), std::string::npos) << outcome.status.message();
  EXPECT_NE(outcome.status.message().find("4294967296"), std::string::npos) << outcome.status.message();
}

TEST_F(ActionExecutorLimitsTest, PlatformPropertiesAskForOtherLimitsWithinTheMaximum) {
  options_.limits.defaults.max_log_bytes = 64 << 10;
  options_.limits.maximums.max_log_bytes = 4 << 20;
  const reapi::Command command = ShellCommand("head -c 1048576 /dev/zero");
  AskFor(platform_, "kiln:max-log-bytes", "2M");
  ExecutionOutcome outcome = Execute(command, EmptyRoot());
  EXPECT_TRUE(outcome.status.ok()) << outcome.status.ToString();

  platform_.Clear();
  AskFor(platform_, "kiln:max-log-bytes", "8M");
  outcome = Execute(command, EmptyRoot());
  EXPECT_EQ(outcome.status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(outcome.status.message().find("maximum of 4M (--action-max-log-bytes-limit)"), std::string::npos)
      << outcome.status.message();
}

}  // namespace limits

}  // namespace
}  // namespace kiln
