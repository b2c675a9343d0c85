// Live output of executing actions, through the real binaries: the operation's metadata
// names stdout/stderr log streams from EXECUTING on, and a client reading them gets the
// command's output while the action still runs, with local worker slots in `kiln serve` and
// with a remote `kiln worker`. The final stdout/stderr are still in the CAS.
#include "build/bazel/remote/logstream/v1/remote_logstream.grpc.pb.h"
#include "child_process.h"
#include "execution_util.h"
#include "live_log_reader.h"
#include "remote_worker_process.h"

namespace kiln_test {
namespace {

// Prints, waits, prints again: the first line can only be seen live if it is streamed.
constexpr char kSlowScript[] = "echo first; echo err-first >&2; sleep 3; echo second; echo err-second >&2";

reapi::Digest SlowAction(reapi::ContentAddressableStorage::Stub& cas, const std::string& salt) {
  ActionSpec spec;
  spec.arguments = {"/bin/sh", "-c", kSlowScript};
  spec.environment = {{"PATH", "/usr/bin:/bin"}};
  spec.salt = salt;
  return UploadAction(cas, spec);
}

bool HasStreams(const reapi::ExecuteOperationMetadata& metadata) {
  return metadata.stage() == reapi::ExecutionStage::EXECUTING && !metadata.stdout_stream_name().empty() &&
         !metadata.stderr_stream_name().empty();
}

// Runs the slow action and checks that its output is readable live, before it completes.
void ExpectLiveOutput(KilnProcess& server, const std::string& salt) {
  ExecutionStream execution(server.channel(), SlowAction(server.cas(), salt));
  ASSERT_TRUE(execution.WaitForMetadata(HasStreams, std::chrono::seconds(30)))
      << "no EXECUTING update named the log streams; latest: " << execution.LatestMetadata().DebugString();
  const reapi::ExecuteOperationMetadata metadata = execution.LatestMetadata();
  EXPECT_NE(metadata.stdout_stream_name(), metadata.stderr_stream_name());

  LiveLogReader out(server.bytestream(), metadata.stdout_stream_name());
  LiveLogReader err(server.bytestream(), metadata.stderr_stream_name());
  ASSERT_TRUE(out.WaitFor("first\n")) << "got: " << out.received();
  // The order that matters: the first line arrived while the operation was not done yet.
  EXPECT_FALSE(execution.done()) << "the first output arrived only after the action completed";
  EXPECT_EQ(out.received().find("second"), std::string::npos) << "the command cannot have printed it yet";
  ASSERT_TRUE(err.WaitFor("err-first\n")) << "got: " << err.received();

  grpc::Status out_status = out.Finish();
  grpc::Status err_status = err.Finish();
  EXPECT_TRUE(out_status.ok()) << Describe(out_status);
  EXPECT_TRUE(err_status.ok()) << Describe(err_status);
  EXPECT_EQ(out.received(), "first\nsecond\n");
  EXPECT_EQ(err.received(), "err-first\nerr-second\n");

  ExecuteResult run = Finish(execution);
  ASSERT_TRUE(run.status.ok()) << Describe(run.status);
  ASSERT_TRUE(run.response.has_result()) << run.response.DebugString();
  EXPECT_EQ(ReadBlobText(server.bytestream(), run.response.result().stdout_digest()), "first\nsecond\n");
  EXPECT_EQ(ReadBlobText(server.bytestream(), run.response.result().stderr_digest()), "err-first\nerr-second\n");
  // The done update still names the (now finalized) streams, and they stay readable.
  EXPECT_EQ(MetadataOf(run.updates.back()).stdout_stream_name(), metadata.stdout_stream_name());
  std::string again;
  ASSERT_TRUE(ByteStreamRead(server.bytestream(), metadata.stdout_stream_name(), &again).ok());
  EXPECT_EQ(again, "first\nsecond\n");
}

class LocalLiveOutputTest : public KilnServerTest {
 protected:
  std::vector<std::string> ServerFlags() const override { return {"--workers", "1"}; }
};

TEST_F(LocalLiveOutputTest, OutputIsReadableWhileTheActionRuns) { ExpectLiveOutput(server(), "local"); }

TEST_F(LocalLiveOutputTest, QueuedOperationsHaveNoStreamsYet) {
  // One slot: the second action waits in the queue behind the first.
  ExecutionStream first(server().channel(), SlowAction(cas(), "busy"));
  ASSERT_TRUE(first.WaitForMetadata(HasStreams, std::chrono::seconds(30)));
  ExecutionStream second(server().channel(), SlowAction(cas(), "waiting"));
  ASSERT_TRUE(second.WaitForMetadata(
      [](const reapi::ExecuteOperationMetadata& m) { return m.stage() == reapi::ExecutionStage::QUEUED; },
      std::chrono::seconds(30)));
  EXPECT_EQ(second.LatestMetadata().stdout_stream_name(), "");
  EXPECT_EQ(second.LatestMetadata().stderr_stream_name(), "");
  EXPECT_TRUE(second.WaitForMetadata(HasStreams, std::chrono::seconds(30))) << "it got streams once it ran";
}

class RemoteLiveOutputTest : public KilnServerTest {
 protected:
  std::vector<std::string> ServerFlags() const override { return {"--workers", "0"}; }
  void SetUp() override {
    KilnServerTest::SetUp();
    if (HasFatalFailure()) return;
    std::string error;
    worker_ = WorkerProcess::Start(server().address(), work_dir_.path(), "live-worker", {"--slots", "1"}, &error);
    ASSERT_TRUE(worker_) << error;
  }
  void TearDown() override {
    if (worker_ && worker_->running()) EXPECT_EQ(worker_->Stop(SIGTERM), 0) << worker_->stdout_text();
    worker_.reset();
    KilnServerTest::TearDown();
  }

  TempDir work_dir_;
  std::unique_ptr<WorkerProcess> worker_;
};

TEST_F(RemoteLiveOutputTest, OutputIsReadableWhileTheActionRunsOnARemoteWorker) {
  ExpectLiveOutput(server(), "remote");
}

// `kiln logs` as a user runs it, from another process.
class LogsCommandTest : public LocalLiveOutputTest {
 protected:
  // Waits (bounded) for the child to exit by itself (its stdout closes) and returns its
  // exit code; one that has to be signalled fails the expectation on the code.
  static int ExitCode(ChildProcess& child) {
    child.ReadStdoutUntil("\x01never printed\x01", 30'000);
    return child.Stop(SIGTERM, 20'000);
  }

  std::unique_ptr<ChildProcess> Logs(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {KILN_BINARY, "logs"};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.insert(argv.end(), {"--target", server().address()});
    std::string error;
    auto child = ChildProcess::Spawn(argv, &error);
    EXPECT_TRUE(child) << error;
    return child;
  }
};

TEST_F(LogsCommandTest, TailsARunningAction) {
  ExecutionStream execution(server().channel(), SlowAction(cas(), "cli"));
  ASSERT_TRUE(execution.WaitForMetadata(
      [](const reapi::ExecuteOperationMetadata& m) { return m.stage() == reapi::ExecutionStage::EXECUTING; },
      std::chrono::seconds(30)));
  auto logs = Logs({execution.Name()});
  ASSERT_TRUE(logs);
  ASSERT_TRUE(logs->ReadStdoutUntil("first\n", 30'000)) << logs->stdout_text();
  EXPECT_FALSE(execution.done()) << "kiln logs printed the first line only after the action completed";
  EXPECT_EQ(logs->stdout_text().find("second"), std::string::npos) << "the command cannot have printed it yet";
  ASSERT_TRUE(logs->ReadStdoutUntil("second\n", 30'000)) << logs->stdout_text();
  EXPECT_EQ(ExitCode(*logs), 0) << "kiln logs should exit 0 by itself once the action ends";
  EXPECT_EQ(logs->stdout_text(), "first\nsecond\n");  // stderr goes to its own stderr.
  ASSERT_TRUE(execution.Finish().ok());
}

TEST_F(LogsCommandTest, PrintsTheRecordedOutputOfAFinishedActionAndRefusesUnknownOnes) {
  ExecutionStream execution(server().channel(), SlowAction(cas(), "finished"));
  ExecuteResult run = Finish(execution);
  ASSERT_TRUE(run.status.ok()) << Describe(run.status);
  auto logs = Logs({run.updates.back().name()});
  ASSERT_TRUE(logs);
  EXPECT_TRUE(logs->ReadStdoutUntil("second\n", 30'000)) << logs->stdout_text();
  EXPECT_EQ(ExitCode(*logs), 0);
  EXPECT_EQ(logs->stdout_text(), "first\nsecond\n");

  auto unknown = Logs({"operations/does-not-exist"});
  ASSERT_TRUE(unknown);
  EXPECT_EQ(ExitCode(*unknown), 1);
}

}  // namespace
}  // namespace kiln_test
