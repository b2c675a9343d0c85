// RemoteWorker in this process against in-process frontends: actions run end to end
// through the worker's read-through input cache, cancellation reaches the running action,
// the worker reconnects after the frontend restarts, moves to another frontend (CAS and
// all) when its own goes away, reports an action that outlived its frontend through the
// next one, and Stop() is prompt in every state.
#include "client/remote_worker.h"

#include <gtest/gtest.h>

#include <atomic>

#include "cas/read_through_cache.h"
#include "cas/selectable_blob_store.h"
#include "server/worker_test_support.h"
#include "worker/runner.h"

namespace kiln {
namespace {

using namespace worker_test;  // NOLINT: test support only.

// A worker process's object graph, as `kiln worker` assembles it (plain process runner).
class WorkerUnderTest {
 public:
  WorkerUnderTest(const std::string& frontend_address, RemoteWorkerOptions options)
      : WorkerUnderTest(std::vector<std::string>{frontend_address}, std::move(options)) {}
  // Given several frontends, the CAS follows the one connected to, as in `kiln worker`.
  WorkerUnderTest(const std::vector<std::string>& frontend_addresses, RemoteWorkerOptions options)
      : runner_(NewProcessRunner()) {
    std::vector<RemoteWorkerFrontend> frontends;
    std::vector<std::unique_ptr<BlobStore>> stores;
    for (const std::string& address : frontend_addresses) {
      frontends.push_back({address, grpc::CreateChannel(address, grpc::InsecureChannelCredentials())});
      stores.push_back(NewRemoteBlobStore(frontends.back().channel, RemoteBlobStoreOptions()));
    }
    frontend_cas_ = std::make_unique<SelectableBlobStore>(std::move(stores));
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
    options.on_connected = [this](size_t frontend) {
      frontend_cas_->Select(frontend);
      connected_to_ = frontend;
      ++connections_;
    };
    worker_ = std::make_unique<RemoteWorker>(std::move(frontends), executor_.get(), options);
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
  // The index of the frontend accepted last.
  size_t connected_to() const { return connected_to_.load(); }

 private:
  TempDir dir_;
  std::unique_ptr<Runner> runner_;
  std::unique_ptr<SelectableBlobStore> frontend_cas_;
  std::unique_ptr<ReadThroughCache> cache_;
  std::unique_ptr<ActionExecutor> executor_;
  std::atomic<int> connections_{0};
  std::atomic<size_t> connected_to_{0};
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

// Two frontends, each with its own scheduler and CAS; the worker is given both.
class TwoFrontendsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(frontends_[0].Start().ok());
    ASSERT_TRUE(frontends_[1].Start().ok());
  }
  void TearDown() override {
    for (auto& frontend : frontends_) frontend.Stop(Duration::zero());
  }
  std::vector<std::string> Addresses() { return {frontends_[0].address(), frontends_[1].address()}; }
  // Options that make the worker start at frontend `first`.
  RemoteWorkerOptions StartingAt(size_t first, int slots = 1) {
    RemoteWorkerOptions options = Options("farm-worker", slots);
    options.random = [first, calls = 0]() mutable { return calls++ == 0 ? first * 0.5 : 0.5; };
    return options;
  }
  std::string Stdout(InProcessFrontend& frontend, const reapi::ExecuteResponse& response) {
    auto digest = FromProto(DigestFunction::kSha256, response.result().stdout_digest(), "stdout");
    if (!digest.ok()) return "<bad digest>";
    auto text = ReadBlob(frontend.cas(), *digest);
    return text.ok() ? *text : "<" + text.status().ToString() + ">";
  }
  std::string Run(InProcessFrontend& frontend, const std::string& script) {
    ExecutionStream execution(frontend.channel(), frontend.UploadShellAction(script));
    reapi::ExecuteResponse response;
    grpc::Status status = execution.Finish(&response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return Stdout(frontend, response);
  }

  InProcessFrontend frontends_[2];
};

TEST_F(TwoFrontendsTest, MovesToTheOtherFrontendWhenItsOwnGoesAway) {
  WorkerUnderTest worker(Addresses(), StartingAt(1));
  ASSERT_TRUE(worker.WaitForConnections(1));
  EXPECT_EQ(worker.connected_to(), 1u);
  EXPECT_EQ(Run(frontends_[1], "echo on b"), "on b\n");

  const auto gone = std::chrono::steady_clock::now();
  frontends_[1].Stop(Duration::zero());
  ASSERT_TRUE(worker.WaitForConnections(2, 5));
  EXPECT_EQ(worker.connected_to(), 0u);
  EXPECT_LT(std::chrono::steady_clock::now() - gone, std::chrono::seconds(2));
  // Inputs come from, and outputs go to, the CAS of the frontend now connected to.
  EXPECT_EQ(Run(frontends_[0], "echo on a"), "on a\n");
}

TEST_F(TwoFrontendsTest, AnActionThatOutlivesItsFrontendReportsThroughTheNextOne) {
  WorkerUnderTest worker(Addresses(), StartingAt(0));
  ASSERT_TRUE(worker.WaitForConnections(1));
  ASSERT_EQ(worker.connected_to(), 0u);
  {
    ExecutionStream orphan(frontends_[0].channel(),
                           frontends_[0].UploadShellAction("sleep 1; echo outlived its frontend"));
    ASSERT_TRUE(orphan.WaitFor([](const auto& update) {
      return MetadataOf(update).stage() == reapi::ExecutionStage::EXECUTING;
    }));
    frontends_[0].Stop(Duration::zero());
  }
  ASSERT_TRUE(worker.WaitForConnections(2, 5));
  ASSERT_EQ(worker.connected_to(), 1u);
  // The action went on: its output was uploaded to the frontend the worker moved to, and its
  // report sent there (frontend b's own scheduler does not know it, and ignores it).
  const Digest output = ComputeDigest(DigestFunction::kSha256, "outlived its frontend\n");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!ContainsBlob(frontends_[1].cas(), output) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_TRUE(ContainsBlob(frontends_[1].cas(), output));
  // Its only slot is free again for b's work.
  EXPECT_EQ(Run(frontends_[1], "echo next"), "next\n");
}

TEST_F(TwoFrontendsTest, StopIsPromptWhileAnOrphanedActionWaitsForAFrontend) {
  RemoteWorkerOptions options = StartingAt(0);
  options.orphan_report_timeout = std::chrono::seconds(60);
  options.initial_backoff = std::chrono::seconds(30);  // No frontend comes back meanwhile.
  options.max_backoff = std::chrono::seconds(30);
  WorkerUnderTest worker(std::vector<std::string>{frontends_[0].address()}, options);
  ASSERT_TRUE(worker.WaitForConnections(1));
  {
    ExecutionStream orphan(frontends_[0].channel(), frontends_[0].UploadShellAction("echo started; sleep 0.3"));
    ASSERT_TRUE(orphan.WaitFor([](const auto& update) {
      return MetadataOf(update).stage() == reapi::ExecutionStage::EXECUTING;
    }));
    frontends_[0].Stop(Duration::zero());
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(600));  // Done, waiting to report.
  EXPECT_LT(worker.Stop(), std::chrono::seconds(5));
}

}  // namespace
}  // namespace kiln
