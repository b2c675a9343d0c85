// A farm of two real `kiln serve` frontends (--workers 0) and one `kiln worker --scheduler
// A,B`: actions run through whichever frontend the worker picked; when that frontend is
// killed (-9), the worker moves to the other within seconds, stays alive although an action
// it was running lost its frontend, and runs the other frontend's actions.
#include <chrono>
#include <thread>

#include "execution_util.h"
#include "remote_worker_process.h"

namespace kiln_test {
namespace {

class WorkerFailoverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (auto& data_dir : data_dirs_) {
      std::string error;
      frontends_.push_back(KilnProcess::Start(data_dir.path(), {"--workers", "0", "--allow-remote-workers"}, &error));
      ASSERT_TRUE(frontends_.back()) << error;
    }
    std::string error;
    worker_ = WorkerProcess::Start(frontends_[0]->address() + "," + frontends_[1]->address(), work_dir_.path(),
                                   "farm-worker", {"--slots", "2"}, &error);
    ASSERT_TRUE(worker_) << error;
  }

  void TearDown() override {
    if (worker_ && worker_->running()) EXPECT_EQ(worker_->Stop(SIGTERM), 0) << worker_->stdout_text();
  }

  // The index of the frontend the worker is connected to (per its last "connected" line).
  size_t Current() const { return worker_->connected_to() == frontends_[0]->address() ? 0 : 1; }

  reapi::Digest ShellAction(KilnProcess& frontend, const std::string& script) {
    ActionSpec spec;
    spec.arguments = {"/bin/sh", "-c", script};
    spec.environment = {{"PATH", "/usr/bin:/bin"}};
    return UploadAction(frontend.cas(), spec);
  }

  void ExpectRuns(KilnProcess& frontend, const std::string& word) {
    ExecuteResult run = Execute(frontend.channel(), ShellAction(frontend, "echo " + word));
    ASSERT_TRUE(run.status.ok()) << Describe(run.status);
    EXPECT_EQ(run.response.status().code(), 0) << Describe(run.response.status());
    EXPECT_EQ(run.response.result().execution_metadata().worker(), "farm-worker");
    EXPECT_EQ(ReadBlobText(frontend.bytestream(), run.response.result().stdout_digest()), word + "\n");
  }

  TempDir data_dirs_[2];
  TempDir work_dir_;
  std::vector<std::unique_ptr<KilnProcess>> frontends_;
  std::unique_ptr<WorkerProcess> worker_;
};

TEST_F(WorkerFailoverTest, TheWorkerMovesToTheOtherFrontendWhenItsOwnIsKilled) {
  const std::string first = worker_->connected_to();
  ASSERT_TRUE(first == frontends_[0]->address() || first == frontends_[1]->address()) << worker_->stdout_text();
  const size_t current = Current();
  KilnProcess& doomed = *frontends_[current];
  KilnProcess& survivor = *frontends_[1 - current];
  ExpectRuns(doomed, "before");

  // An action is running on the worker when its frontend dies.
  {
    ExecutionStream orphan(doomed.channel(), ShellAction(doomed, "sleep 1; echo orphan"));
    ASSERT_TRUE(orphan.WaitForMetadata(
        [](const reapi::ExecuteOperationMetadata& metadata) {
          return metadata.stage() == reapi::ExecutionStage::EXECUTING;
        },
        std::chrono::seconds(20)));
    const auto killed = std::chrono::steady_clock::now();
    doomed.Kill9();
    ASSERT_TRUE(worker_->WaitForStdout("kiln worker: connected to " + survivor.address() + " as farm-worker\n", 5'000))
        << worker_->stdout_text();
    const auto moved = std::chrono::steady_clock::now() - killed;
    EXPECT_LT(moved, std::chrono::seconds(3));
    std::cout << "worker moved to the other frontend "
              << std::chrono::duration_cast<std::chrono::milliseconds>(moved).count() << " ms after the kill"
              << std::endl;
  }
  ExpectRuns(survivor, "after");
  // Once the orphaned action is over too, both slots work for the survivor.
  std::this_thread::sleep_for(std::chrono::seconds(1));
  std::vector<std::thread> threads;
  for (const char* word : {"one", "two", "three"}) threads.emplace_back([&, word] { ExpectRuns(survivor, word); });
  for (auto& thread : threads) thread.join();
  EXPECT_TRUE(worker_->running());
}

}  // namespace
}  // namespace kiln_test
