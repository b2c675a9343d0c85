// Remote execution with the real binaries: `kiln serve --workers 0` as the frontend and two
// `kiln worker` processes, each with its own work directory. Actions spread over both
// workers, and an action whose worker is killed mid-run is re-queued and completes on the
// other one.
#include <set>
#include <thread>

#include "execution_util.h"
#include "remote_worker_process.h"

namespace kiln_test {
namespace {

class RemoteWorkerTest : public KilnServerTest {
 protected:
  std::vector<std::string> ServerFlags() const override { return {"--workers", "0"}; }

  void SetUp() override {
    KilnServerTest::SetUp();
    if (HasFatalFailure()) return;
    for (const char* id : {"worker-a", "worker-b"}) {
      work_dirs_.push_back(std::make_unique<TempDir>());
      std::string error;
      auto worker = WorkerProcess::Start(server().address(), work_dirs_.back()->path(), id, {"--slots", "2"}, &error);
      ASSERT_TRUE(worker) << error;
      workers_.push_back(std::move(worker));
    }
  }

  void TearDown() override {
    // Workers first: a stopped frontend would only make them retry.
    for (auto& worker : workers_) {
      if (worker->running()) EXPECT_EQ(worker->Stop(SIGTERM), 0) << worker->stdout_text();
    }
    workers_.clear();
    KilnServerTest::TearDown();
  }

  reapi::Digest ShellAction(const std::string& script) {
    ActionSpec spec;
    spec.arguments = {"/bin/sh", "-c", script};
    spec.environment = {{"PATH", "/usr/bin:/bin"}};
    return UploadAction(cas(), spec);
  }

  // Runs the actions concurrently, one Execute stream each.
  std::vector<ExecuteResult> ExecuteAll(const std::vector<reapi::Digest>& actions) {
    std::vector<ExecuteResult> results(actions.size());
    std::vector<std::thread> threads;
    for (size_t i = 0; i < actions.size(); ++i) {
      threads.emplace_back([&, i] { results[i] = Execute(server().channel(), actions[i]); });
    }
    for (auto& thread : threads) thread.join();
    return results;
  }

  void ExpectSucceeded(const ExecuteResult& run, const std::string& expected_stdout) {
    ASSERT_TRUE(run.status.ok()) << Describe(run.status);
    ASSERT_FALSE(run.updates.empty());
    ASSERT_TRUE(run.updates.back().done());
    EXPECT_EQ(run.response.status().code(), 0) << Describe(run.response.status());
    EXPECT_EQ(run.response.result().exit_code(), 0);
    EXPECT_EQ(ReadBlobText(bytestream(), run.response.result().stdout_digest()), expected_stdout);
  }

  std::vector<std::unique_ptr<TempDir>> work_dirs_;  // Outlive the workers using them.
  std::vector<std::unique_ptr<WorkerProcess>> workers_;
};

TEST_F(RemoteWorkerTest, ActionsSpreadOverBothWorkers) {
  // Eight half-second actions on two workers with two slots each: neither can take them all.
  std::vector<reapi::Digest> actions;
  for (int i = 0; i < 8; ++i) actions.push_back(ShellAction("sleep 0.5; echo action-" + std::to_string(i)));
  std::vector<ExecuteResult> results = ExecuteAll(actions);
  std::multiset<std::string> ran_on;
  for (size_t i = 0; i < results.size(); ++i) {
    SCOPED_TRACE("action " + std::to_string(i));
    ExpectSucceeded(results[i], "action-" + std::to_string(i) + "\n");
    EXPECT_FALSE(results[i].response.cached_result());
    ran_on.insert(results[i].response.result().execution_metadata().worker());
  }
  EXPECT_GT(ran_on.count("worker-a"), 0u) << "worker-a ran nothing";
  EXPECT_GT(ran_on.count("worker-b"), 0u) << "worker-b ran nothing";
  EXPECT_EQ(ran_on.count("worker-a") + ran_on.count("worker-b"), 8u);
  // Results recorded by the frontend are served from its action cache.
  EXPECT_TRUE(Execute(server().channel(), actions[0]).response.cached_result());
}

TEST_F(RemoteWorkerTest, ActionOfAKilledWorkerCompletesOnTheOther) {
  ExecutionStream survivor(server().channel(), ShellAction("sleep 3; echo survived"));
  std::string victim_id;
  ASSERT_TRUE(survivor.WaitForMetadata(
      [&](const reapi::ExecuteOperationMetadata& metadata) {
        if (metadata.stage() != reapi::ExecutionStage::EXECUTING) return false;
        victim_id = metadata.partial_execution_metadata().worker();
        return !victim_id.empty();
      },
      std::chrono::seconds(20)))
      << "the action never started executing on a worker";
  ASSERT_TRUE(victim_id == "worker-a" || victim_id == "worker-b") << victim_id;
  const std::string other_id = victim_id == "worker-a" ? "worker-b" : "worker-a";

  // More of the build in flight when the worker dies; all of it must still complete.
  std::vector<reapi::Digest> rest;
  for (int i = 0; i < 3; ++i) rest.push_back(ShellAction("sleep 1; echo rest-" + std::to_string(i)));
  std::vector<ExecuteResult> rest_results;
  std::thread rest_thread([&] { rest_results = ExecuteAll(rest); });

  WorkerProcess& victim = *workers_[victim_id == "worker-a" ? 0 : 1];
  victim.Kill9();

  ExecuteResult run = Finish(survivor);
  rest_thread.join();
  ExpectSucceeded(run, "survived\n");
  EXPECT_EQ(run.response.result().execution_metadata().worker(), other_id);
  // It went back to the queue when its worker vanished, then ran again.
  auto queued_again = std::find(std::find(run.stages.begin(), run.stages.end(), reapi::ExecutionStage::EXECUTING),
                                run.stages.end(), reapi::ExecutionStage::QUEUED);
  EXPECT_NE(queued_again, run.stages.end()) << "no QUEUED update after the first EXECUTING";
  for (size_t i = 0; i < rest_results.size(); ++i) {
    SCOPED_TRACE("rest " + std::to_string(i));
    ExpectSucceeded(rest_results[i], "rest-" + std::to_string(i) + "\n");
    EXPECT_EQ(rest_results[i].response.result().execution_metadata().worker(), other_id);
  }
}

}  // namespace
}  // namespace kiln_test
