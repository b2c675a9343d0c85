// The worker protocol under load and churn: many Execute streams over a changing pool of
// `kiln worker` processes, some killed with SIGKILL mid-action, some stopped with SIGTERM,
// replacements joining all the while. Every client gets an answer: the right output, or,
// for an action whose workers were lost on every attempt, UNAVAILABLE saying so. Nothing
// hangs, and the frontend keeps serving afterwards.
#include <random>
#include <thread>

#include "execution_util.h"
#include "remote_worker_process.h"

namespace kiln_test {
namespace {

constexpr int kActions = 60;
constexpr int kSlotsPerWorker = 2;
constexpr int kChurnRounds = 6;

class WorkerChurnTest : public KilnServerTest {
 protected:
  std::vector<std::string> ServerFlags() const override { return {"--workers", "0"}; }

  void TearDown() override {
    for (auto& worker : workers_) {
      if (worker->running()) worker->Stop(SIGTERM);
    }
    workers_.clear();
    KilnServerTest::TearDown();
  }

  void StartWorker() {
    work_dirs_.push_back(std::make_unique<TempDir>());
    std::string error;
    const std::string id = "churn-" + std::to_string(next_worker_++);
    auto worker = WorkerProcess::Start(server().address(), work_dirs_.back()->path(), id,
                                       {"--slots", std::to_string(kSlotsPerWorker)}, &error);
    ASSERT_TRUE(worker) << error;
    workers_.push_back(std::move(worker));
  }

  // Stops one running worker (never the last one), alternating SIGKILL and SIGTERM, and
  // starts a replacement. Returns how many were killed with SIGKILL.
  int Churn() {
    std::mt19937 random(20261121);
    int killed = 0;
    for (int round = 0; round < kChurnRounds; ++round) {
      std::this_thread::sleep_for(std::chrono::milliseconds(400));
      std::vector<WorkerProcess*> alive;
      for (auto& worker : workers_) {
        if (worker->running()) alive.push_back(worker.get());
      }
      if (alive.size() > 1) {
        WorkerProcess* victim = alive[random() % alive.size()];
        if (round % 2 == 0) {
          victim->Kill9();
          ++killed;
        } else {
          // A clean stop: the worker's actions must not be lost either.
          EXPECT_EQ(victim->Stop(SIGTERM), 0) << victim->stdout_text();
        }
      }
      StartWorker();
    }
    return killed;
  }

  std::vector<std::unique_ptr<TempDir>> work_dirs_;  // Outlive the workers using them.
  std::vector<std::unique_ptr<WorkerProcess>> workers_;
  int next_worker_ = 0;
};

TEST_F(WorkerChurnTest, EveryClientGetsAnAnswerWhileWorkersComeAndGo) {
  for (int i = 0; i < 3; ++i) StartWorker();
  if (HasFatalFailure()) return;
  std::vector<reapi::Digest> actions;
  for (int i = 0; i < kActions; ++i) {
    ActionSpec spec;
    spec.arguments = {"/bin/sh", "-c", "sleep 0.3; echo action-" + std::to_string(i)};
    spec.environment = {{"PATH", "/usr/bin:/bin"}};
    actions.push_back(UploadAction(cas(), spec));
  }
  std::vector<ExecuteResult> results(actions.size());
  std::vector<std::thread> clients;
  for (size_t i = 0; i < actions.size(); ++i) {
    clients.emplace_back([&, i] { results[i] = Execute(server().channel(), actions[i]); });
  }
  const int killed = Churn();
  for (auto& client : clients) client.join();

  int succeeded = 0;
  for (size_t i = 0; i < results.size(); ++i) {
    SCOPED_TRACE("action " + std::to_string(i));
    const ExecuteResult& run = results[i];
    ASSERT_TRUE(run.status.ok()) << Describe(run.status);
    ASSERT_FALSE(run.updates.empty());
    ASSERT_TRUE(run.updates.back().done());
    if (run.response.status().code() == grpc::StatusCode::OK) {
      EXPECT_EQ(run.response.result().exit_code(), 0);
      EXPECT_EQ(ReadBlobText(bytestream(), run.response.result().stdout_digest()), "action-" + std::to_string(i) + "\n");
      ++succeeded;
    } else {
      EXPECT_EQ(run.response.status().code(), grpc::StatusCode::UNAVAILABLE);
      EXPECT_NE(run.response.status().message().find("attempts"), std::string::npos) << run.response.status().message();
    }
  }
  // An action fails only after losing a worker on each of its 3 attempts, and each SIGKILL
  // loses at most kSlotsPerWorker running actions; a SIGTERM loses none.
  EXPECT_GE(succeeded, kActions - killed * kSlotsPerWorker / 3);

  // The frontend is still healthy and the surviving workers still take work.
  ActionSpec after;
  after.arguments = {"/bin/sh", "-c", "echo after-churn"};
  ExecuteResult run = Execute(server().channel(), UploadAction(cas(), after));
  ASSERT_TRUE(run.status.ok()) << Describe(run.status);
  EXPECT_EQ(ReadBlobText(bytestream(), run.response.result().stdout_digest()), "after-churn\n");
}

}  // namespace
}  // namespace kiln_test
