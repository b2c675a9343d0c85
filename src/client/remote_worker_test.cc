// RemoteWorker in this process against an in-process frontend: actions run end to end
// through the worker's read-through input cache, cancellation reaches the running action,
// the worker reconnects after the frontend restarts, and Stop() is prompt in every state.
#include "client/remote_worker.h"

#include <gtest/gtest.h>

#include <atomic>

#include "cas/read_through_cache.h"
#include "server/worker_test_support.h"
#include "worker/runner.h"

namespace kiln {
namespace {

using namespace worker_test;  // NOLINT: test support only.

// A worker process's object graph, as `kiln worker` assembles it (plain process runner).
class WorkerUnderTest {
 public:
  WorkerUnderTest(const std::string& frontend_address, RemoteWorkerOptions options) : runner_(NewProcessRunner()) {
    channel_ = grpc::CreateChannel(frontend_address, grpc::InsecureChannelCredentials());
    frontend_cas_ = NewRemoteBlobStore(channel_, RemoteBlobStoreOptions());
    DiskBlobStoreOptions local;
    local.root = dir_.path() + "/cache";
    auto opened = DiskBlobStore::Open(local);
    EXPECT_TRUE(opened.ok()) << opened.status().ToString();
    cache_ = std::make_unique<ReadThroughCache>(std::move(opened).value(), frontend_cas_.get());
    ActionExecutorOptions executor;
    executor.work_root = dir_.path() + "/actions";
    executor.worker_id = options.worker_id;
    executor.cas = cache_.get();
    executor.runner = runner_.get();
    executor.local_blob_path = [this](const Digest& digest) {
      return cache_->EnsureLocal(digest).ok() ? cache_->LocalPath(digest) : std::string();
    };
    executor_ = std::make_unique<ActionExecutor>(executor);
    options.on_connected = [this] { ++connections_; };
    worker_ = std::make_unique<RemoteWorker>(channel_, executor_.get(), options);
    thread_ = std::thread([this] { worker_->Run(); });
  }
  ~WorkerUnderTest() { Stop(); }

  // Stops the worker; returns how long Run took to return.
  std::chrono::steady_clock::duration Stop() {
    const auto start = std::chrono::steady_clock::now();
    worker_->Stop();
    if (thread_.joinable()) thread_.join();
    return std::chrono::steady_clock::now() - start;
  }
  // Waits (bounded) until the frontend has accepted the worker `count` times in all.
  bool WaitForConnections(int count, int seconds = 20) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
    while (connections_.load() < count) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return true;
  }

 private:
  TempDir dir_;
  std::unique_ptr<Runner> runner_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<BlobStore> frontend_cas_;
  std::unique_ptr<ReadThroughCache> cache_;
  std::unique_ptr<ActionExecutor> executor_;
  std::atomic<int> connections_{0};
  std::unique_ptr<RemoteWorker> worker_;
  std::thread thread_;
};

RemoteWorkerOptions Options(const std::string& worker_id, int slots = 1) {
  RemoteWorkerOptions options;
  options.worker_id = worker_id;
  options.slots = slots;
  options.initial_backoff = std::chrono::milliseconds(50);
  options.max_backoff = std::chrono::milliseconds(200);
  return options;
}

class RemoteWorkerTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(frontend_.Start().ok()); }
  void TearDown() override { frontend_.Stop(); }

  // Executes `script` and returns the response (the stream must end with it).
  reapi::ExecuteResponse Run(const std::string& script) {
    ExecutionStream execution(frontend_.channel(), frontend_.UploadShellAction(script));
    reapi::ExecuteResponse response;
    grpc::Status status = execution.Finish(&response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response;
  }
  std::string Stdout(const reapi::ExecuteResponse& response) {
    auto digest = FromProto(DigestFunction::kSha256, response.result().stdout_digest(), "stdout");
    if (!digest.ok()) return "<bad digest>";
    auto text = ReadBlob(frontend_.cas(), *digest);
    return text.ok() ? *text : "<" + text.status().ToString() + ">";
  }

  InProcessFrontend frontend_;
};

TEST_F(RemoteWorkerTest, RunsActionsAndReportsTheirResults) {
  WorkerUnderTest worker(frontend_.address(), Options("remote-1", 2));
  ASSERT_TRUE(worker.WaitForConnections(1));
  reapi::ExecuteResponse response = Run("echo from the worker; exit 3");
  EXPECT_EQ(response.status().code(), 0);
  EXPECT_EQ(response.result().exit_code(), 3);
  EXPECT_EQ(Stdout(response), "from the worker\n");
  EXPECT_EQ(response.result().execution_metadata().worker(), "remote-1");
  // The slot asked for more work after reporting.
  EXPECT_EQ(Stdout(Run("echo again")), "again\n");
}

TEST_F(RemoteWorkerTest, CancellationStopsTheRunningActionAndFreesTheSlot) {
  WorkerUnderTest worker(frontend_.address(), Options("remote-1", 1));
  ASSERT_TRUE(worker.WaitForConnections(1));
  ExecutionStream sleeper(frontend_.channel(), frontend_.UploadShellAction("sleep 60"));
  ASSERT_TRUE(sleeper.WaitFor([](const auto& update) {
    return MetadataOf(update).stage() == reapi::ExecutionStage::EXECUTING;
  }));
  ASSERT_TRUE(sleeper.Cancel().ok());

  // The only slot is free again long before `sleep 60` would have ended.
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(Stdout(Run("echo next")), "next\n");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(15));
}

TEST_F(RemoteWorkerTest, ReconnectsWhenTheFrontendComesBack) {
  WorkerUnderTest worker(frontend_.address(), Options("remote-1"));
  ASSERT_TRUE(worker.WaitForConnections(1));
  const std::string address = frontend_.address();
  frontend_.Stop();
  ASSERT_TRUE(frontend_.Start(address).ok());  // Same port, same data directory.
  ASSERT_TRUE(worker.WaitForConnections(2));
  EXPECT_EQ(Stdout(Run("echo reconnected")), "reconnected\n");
}

TEST_F(RemoteWorkerTest, StopIsPromptWhileRunningAndWhileDisconnected) {
  {
    WorkerUnderTest busy(frontend_.address(), Options("busy"));
    ASSERT_TRUE(busy.WaitForConnections(1));
    ExecutionStream sleeper(frontend_.channel(), frontend_.UploadShellAction("sleep 60"));
    ASSERT_TRUE(sleeper.WaitFor([](const auto& update) {
      return MetadataOf(update).stage() == reapi::ExecutionStage::EXECUTING;
    }));
    EXPECT_LT(busy.Stop(), std::chrono::seconds(10));
  }
  RemoteWorkerOptions slow_retries = Options("unreachable");
  slow_retries.initial_backoff = std::chrono::seconds(30);
  WorkerUnderTest unreachable("127.0.0.1:1", slow_retries);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // Into its first backoff.
  EXPECT_LT(unreachable.Stop(), std::chrono::seconds(5));
}

}  // namespace
}  // namespace kiln
