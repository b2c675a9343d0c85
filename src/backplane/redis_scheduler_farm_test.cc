// RedisScheduler as a farm uses it: several frontends (here, several schedulers in one
// process) on one backplane namespace. What the contract tests cannot show with one
// frontend: work and changes crossing between frontends, and what a frontend's death costs.
#include <gtest/gtest.h>

#include <chrono>

#include "backplane/redis_scheduler.h"
#include "scheduler/scheduler_test_support.h"
#include "testing/eventually.h"
#include "testing/redis_backplane_for_tests.h"

namespace kiln {
namespace {

using testing_support::ExitedWith;
using testing_support::kClient;
using testing_support::kLinuxX86;
using testing_support::MakeAction;
using testing_support::RedisBackplaneForTests;
using testing_support::RequestWork;
using testing_support::SnapshotRecorder;

class RedisFarmTest : public ::testing::Test {
 protected:
  RedisFarmTest() {
    backplane_ = RedisBackplaneForTests::Immediate();
    backplane_.key_namespace = "farm-" + std::to_string(::getpid()) + "-" +
                               ::testing::UnitTest::GetInstance()->current_test_info()->name();
    backplane_.lease = std::chrono::seconds(30);
    a_ = NewFrontend();
    b_ = NewFrontend();
  }
  std::unique_ptr<RedisScheduler> NewFrontend() {
    return RedisBackplaneForTests::Get().NewSchedulerIn(&clock_, SchedulerOptions{}, backplane_);
  }

  FakeClock clock_;
  RedisSchedulerOptions backplane_;
  std::unique_ptr<RedisScheduler> a_;
  std::unique_ptr<RedisScheduler> b_;
};

TEST_F(RedisFarmTest, AnyFrontendServesAnyOperation) {
  a_->AddWorker("w", kLinuxX86);
  const std::string name = a_->Enqueue(kClient, MakeAction(1)).value();
  EXPECT_EQ(b_->Get(kClient, name).value().stage, ExecutionStage::kQueued);
  EXPECT_EQ(b_->List(kClient).size(), 1u);
  EXPECT_EQ(b_->Get(Caller{"stranger", false}, name).status().code(), StatusCode::kNotFound);
  ASSERT_TRUE(b_->Cancel(kClient, name).ok());
  EXPECT_TRUE(a_->Get(kClient, name).value().done);
}

TEST_F(RedisFarmTest, IdenticalActionsMergeAcrossFrontends) {
  a_->AddWorker("w", kLinuxX86);
  const std::string first = a_->Enqueue(kClient, MakeAction(1)).value();
  EXPECT_EQ(b_->Enqueue(Caller{"other", false}, MakeAction(1)).value(), first);
  EXPECT_TRUE(b_->Get(Caller{"other", false}, first).ok()) << "the joiner owns it too";
}

TEST_F(RedisFarmTest, AWorkerOnOneFrontendGetsWorkEnqueuedOnAnother) {
  b_->AddWorker("w", kLinuxX86);
  auto answer = RequestWork(*b_, "w");
  ASSERT_FALSE(answer->answered());
  const std::string name = a_->Enqueue(kClient, MakeAction(1)).value();
  // B's blocked BLPOP wakes up and claims.
  ASSERT_TRUE(Eventually([&] { return answer->answered(); }));
  EXPECT_EQ(answer->operation(), name);
}

TEST_F(RedisFarmTest, WatchersOnAnotherFrontendSeeEveryStage) {
  a_->AddWorker("w", kLinuxX86);
  const std::string name = a_->Enqueue(kClient, MakeAction(1)).value();
  SnapshotRecorder recorder;
  ASSERT_TRUE(b_->Watch(kClient, name, recorder.Listener()).ok());
  auto work = RequestWork(*a_, "w");
  ASSERT_EQ(work->operation(), name);
  a_->ReportExecuting(name, "w", 1, {});
  a_->ReportCompleted(name, "w", 1, ExitedWith(0));
  ASSERT_TRUE(Eventually([&] { return recorder.stages().size() == 3; }));
  EXPECT_EQ(recorder.stages(), (std::vector<ExecutionStage>{ExecutionStage::kQueued, ExecutionStage::kExecuting,
                                                             ExecutionStage::kCompleted}));
  EXPECT_TRUE(recorder.seen().back().done);
}

TEST_F(RedisFarmTest, ACancelOnAnotherFrontendStopsTheWorkersCopy) {
  a_->AddWorker("w", kLinuxX86);
  const std::string name = a_->Enqueue(kClient, MakeAction(1)).value();
  auto work = RequestWork(*a_, "w");
  ASSERT_EQ(work->operation(), name);
  ASSERT_TRUE(b_->Cancel(kClient, name).ok());
  EXPECT_TRUE(Eventually([&] { return work->assignment()->cancelled->load(); }));
}

TEST_F(RedisFarmTest, WhenAFrontendDiesItsActionsComeBackAfterTheLease) {
  a_->AddWorker("w", kLinuxX86);
  b_->AddWorker("v", kLinuxX86);
  const std::string name = a_->Enqueue(kClient, MakeAction(1)).value();
  auto lost = RequestWork(*a_, "w");
  ASSERT_EQ(lost->operation(), name);
  a_.reset();  // Dies without unregistering its worker: nothing renews the lease any more.
  auto next = RequestWork(*b_, "v");
  clock_.Advance(std::chrono::seconds(20));
  b_->Tick();
  EXPECT_FALSE(next->answered()) << "the lease still holds";
  clock_.Advance(std::chrono::seconds(11));
  b_->Tick();
  ASSERT_TRUE(Eventually([&] { return next->answered(); }));
  EXPECT_EQ(next->operation(), name);
  EXPECT_EQ(next->assignment()->attempt, 2);
}

TEST_F(RedisFarmTest, AWorkerThatMovedReportsThroughItsNewFrontendOnce) {
  a_->AddWorker("w", kLinuxX86);
  const std::string name = a_->Enqueue(kClient, MakeAction(1)).value();
  auto work = RequestWork(*a_, "w");
  ASSERT_EQ(work->operation(), name);
  a_.reset();  // Its frontend dies; the worker reconnects to B, which renews the lease.
  b_->AddWorker("w", kLinuxX86);
  clock_.Advance(std::chrono::seconds(20));
  b_->Tick();
  clock_.Advance(std::chrono::seconds(20));
  b_->Tick();
  EXPECT_EQ(b_->Get(kClient, name).value().done, false);
  b_->ReportCompleted(name, "w", 1, ExitedWith(7));
  auto done = b_->Get(kClient, name).value();
  ASSERT_TRUE(done.done);
  EXPECT_EQ(done.response.result().exit_code(), 7);
  b_->ReportCompleted(name, "w", 1, ExitedWith(8));  // A duplicate report changes nothing.
  EXPECT_EQ(b_->Get(kClient, name).value().response.result().exit_code(), 7);
}

TEST_F(RedisFarmTest, AnIdleFarmSendsAlmostNoCommands) {
  a_->AddWorker("w", kLinuxX86);
  b_->AddWorker("v", kLinuxX86);
  auto wa = RequestWork(*a_, "w");
  auto wb = RequestWork(*b_, "v");
  auto& client = RedisBackplaneForTests::Get().client();
  auto before = client.Run("", {"INFO", "commandstats"});
  ASSERT_TRUE(before.ok());
  std::this_thread::sleep_for(std::chrono::seconds(2));
  auto after = client.Run("", {"INFO", "commandstats"});
  ASSERT_TRUE(after.ok());
  // Total calls: "cmdstat_X:calls=N,..." summed. The two INFO calls themselves count 1.
  auto total = [](const std::string& stats) {
    long sum = 0;
    for (size_t at = stats.find("calls="); at != std::string::npos; at = stats.find("calls=", at + 1)) {
      sum += std::stol(stats.substr(at + 6));
    }
    return sum;
  };
  EXPECT_LE(total(after->text) - total(before->text), 1) << "idle frontends must only block, never poll";
}

}  // namespace
}  // namespace kiln
