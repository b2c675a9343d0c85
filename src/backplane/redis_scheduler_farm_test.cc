// RedisScheduler as a farm uses it: several frontends (here, several schedulers in one
// process) on one backplane namespace. What the contract tests cannot show with one
// frontend: work and changes crossing between frontends, and what a frontend's death costs.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <thread>
#include <utility>

#include "backplane/redis_event_subscriber.h"
#include "backplane/redis_scheduler.h"
#include "backplane/scheduler_scripts.h"
#include "scheduler/scheduler_test_support.h"
#include "testing/eventually.h"
#include "testing/redis_backplane_for_tests.h"
#include "testing/redis_server_process.h"

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

TEST_F(RedisFarmTest, WatchersOnAnotherFrontendFollowTheStagesToTheEnd) {
  a_->AddWorker("w", kLinuxX86);
  const std::string name = a_->Enqueue(kClient, MakeAction(1)).value();
  SnapshotRecorder recorder;
  ASSERT_TRUE(b_->Watch(kClient, name, recorder.Listener()).ok());
  auto work = RequestWork(*a_, "w");
  ASSERT_EQ(work->operation(), name);
  a_->ReportExecuting(name, "w", 1, {});
  a_->ReportCompleted(name, "w", 1, ExitedWith(0));
  ASSERT_TRUE(Eventually([&] { return !recorder.seen().empty() && recorder.seen().back().done; }));
  // In order; a stage replaced before B read it may be skipped (B reads the latest state).
  const std::vector<ExecutionStage> stages = recorder.stages();
  EXPECT_EQ(stages.front(), ExecutionStage::kQueued);
  EXPECT_EQ(stages.back(), ExecutionStage::kCompleted);
  EXPECT_TRUE(std::is_sorted(stages.begin(), stages.end()));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(recorder.stages(), stages) << "nothing after done";
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

// As after a Redis failover that rolled back the worker's report: Redis still lists the
// operation as the worker's, but the worker does not run it, so its new frontend does not
// renew that lease and the operation runs again.
TEST_F(RedisFarmTest, AnOperationItsWorkerNoLongerRunsComesBackAfterTheLease) {
  a_->AddWorker("w", kLinuxX86);
  const std::string name = a_->Enqueue(kClient, MakeAction(1)).value();
  auto work = RequestWork(*a_, "w");
  ASSERT_EQ(work->operation(), name);
  a_.reset();
  b_->AddWorker("w", kLinuxX86);  // Its Hello lists nothing running.
  auto next = RequestWork(*b_, "w");
  for (int i = 0; i < 7 && !next->answered(); ++i) {
    clock_.Advance(std::chrono::seconds(5));
    b_->Tick();
  }
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
  // What the worker's Hello says it still runs, B looks up and adopts.
  ASSERT_TRUE(b_->FindAssignment(name, "w", 1).value().has_value());
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

TEST(MaintenanceIntervalTest, ASixthOfTheLeaseBetweenOneAndFiveSeconds) {
  EXPECT_EQ(MaintenanceIntervalFor(std::chrono::seconds(30)), std::chrono::seconds(5));
  EXPECT_EQ(MaintenanceIntervalFor(std::chrono::minutes(5)), std::chrono::seconds(5));
  EXPECT_EQ(MaintenanceIntervalFor(std::chrono::seconds(12)), std::chrono::seconds(2));
  EXPECT_EQ(MaintenanceIntervalFor(kMinimumLease), std::chrono::seconds(1));
}

TEST_F(RedisFarmTest, WithAShortLeaseALiveFrontendsAssignmentOutlastsTheOthersMaintenance) {
  backplane_.lease = std::chrono::seconds(6);
  backplane_.maintenance_interval = MaintenanceIntervalFor(backplane_.lease);
  a_ = NewFrontend();
  b_ = NewFrontend();
  a_->AddWorker("w", kLinuxX86);
  b_->AddWorker("v", kLinuxX86);
  const std::string name = a_->Enqueue(kClient, MakeAction(1)).value();
  auto running = RequestWork(*a_, "w");
  ASSERT_EQ(running->operation(), name);
  auto idle = RequestWork(*b_, "v");
  // Both frontends keep up their maintenance, B's half an interval after A's.
  for (int i = 0; i < 30; ++i) {
    clock_.Advance(backplane_.maintenance_interval / 2);
    b_->Tick();
    clock_.Advance(backplane_.maintenance_interval / 2);
    a_->Tick();
  }
  EXPECT_FALSE(idle->answered()) << "B took the action from A's live worker";
  EXPECT_FALSE(running->assignment()->cancelled->load());
  EXPECT_EQ(b_->Get(kClient, name).value().done, false);
  // A dies: B queues the action again within the lease.
  a_.reset();
  for (Duration waited{}; waited <= backplane_.lease && !idle->answered(); waited += backplane_.maintenance_interval) {
    clock_.Advance(backplane_.maintenance_interval);
    b_->Tick();
  }
  ASSERT_TRUE(Eventually([&] { return idle->answered(); }));
  EXPECT_EQ(idle->operation(), name);
}

TEST_F(RedisFarmTest, TheNewFrontendOfAWorkerThatMovedRecognizesWhatItRuns) {
  a_->AddWorker("w", kLinuxX86);
  const std::string name = a_->Enqueue(kClient, MakeAction(1)).value();
  auto work = RequestWork(*a_, "w");
  ASSERT_EQ(work->operation(), name);
  a_.reset();
  b_->AddWorker("w", kLinuxX86);
  // What B needs to record the result of an action it did not hand out (the action cache
  // entry takes the Action and Command).
  auto found = b_->FindAssignment(name, "w", 1);
  ASSERT_TRUE(found.ok()) << found.status().ToString();
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->action->action_digest, work->assignment()->action->action_digest);
  // A cancellation through B reaches it, as it would one of B's own assignments.
  ASSERT_TRUE(b_->Cancel(kClient, name).ok());
  EXPECT_TRUE((*found)->cancelled->load());
}

TEST_F(RedisFarmTest, AWatchedOperationThatRedisLostEndsUnavailableRatherThanNever) {
  a_->AddWorker("w", kLinuxX86);
  const std::string name = a_->Enqueue(kClient, MakeAction(1)).value();
  SnapshotRecorder recorder;
  ASSERT_TRUE(b_->Watch(kClient, name, recorder.Listener()).ok());
  auto& client = RedisBackplaneForTests::Get().client();
  const std::string prefix = "kiln:{" + backplane_.key_namespace + "}:";
  // What a restart without persistence does to it, then any change announced.
  ASSERT_TRUE(client.Run(prefix, {"DEL", prefix + "op:" + name}).ok());
  ASSERT_TRUE(client.Run(prefix, {"PUBLISH", prefix + "events", name + " 99"}).ok());
  ASSERT_TRUE(Eventually([&] { return recorder.seen().size() == 2; }));
  EXPECT_TRUE(recorder.seen().back().done);
  EXPECT_EQ(recorder.seen().back().response.status().code(), static_cast<int>(StatusCode::kUnavailable));
}

TEST_F(RedisFarmTest, AnIdleFarmSendsAlmostNoCommands) {
  a_->AddWorker("w", kLinuxX86);
  b_->AddWorker("v", kLinuxX86);
  auto wa = RequestWork(*a_, "w");
  auto wb = RequestWork(*b_, "v");
  auto& client = RedisBackplaneForTests::Get().client();
  // "cmdstat_X:calls=N,..." summed over commands.
  auto calls = [&client] {
    auto stats = client.Run("", {"INFO", "commandstats"});
    EXPECT_TRUE(stats.ok());
    long sum = 0;
    const std::string text = stats.ok() ? stats->text : "";
    for (size_t at = text.find("calls="); at != std::string::npos; at = text.find("calls=", at + 1)) {
      sum += std::stol(text.substr(at + 6));
    }
    return sum;
  };
  // Each frontend says who it has once its subscription is up (it may have missed changes
  // before): wait until that has settled (only the INFO calls themselves count then).
  long before = calls();
  ASSERT_TRUE(Eventually([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    const long now = calls();
    return std::exchange(before, now) + 1 == now;
  }));
  std::this_thread::sleep_for(std::chrono::seconds(3));
  const long after = calls();
  EXPECT_LE(after - before, 1) << "idle frontends must only block, never poll (the 1 is this INFO)";
}

TEST_F(RedisFarmTest, AClaimRepeatedAfterItsAnswerWasLostGetsTheSameAssignment) {
  a_->AddWorker("w", kLinuxX86);
  const std::string name = a_->Enqueue(kClient, MakeAction(1)).value();
  auto& client = RedisBackplaneForTests::Get().client();
  const std::string prefix = "kiln:{" + backplane_.key_namespace + "}:";
  auto claim = [&](const std::string& token) {
    auto reply = client.Eval(backplane_scripts::Claim(), {prefix + "anchor"},
                             {prefix, a_->frontend_id(), "w", "1700000000000", "30000", "1", "0", token});
    EXPECT_TRUE(reply.ok()) << reply.status().ToString();
    std::vector<std::string> fields;
    if (reply.ok()) {
      for (const auto& element : reply->elements) fields.push_back(element.text);
    }
    if (fields.size() > 3) fields.resize(3);  // Leave the action out.
    return fields;
  };
  const std::vector<std::string> first = claim("token-1");
  EXPECT_EQ(first, (std::vector<std::string>{"assigned", name, "1"}));
  EXPECT_EQ(claim("token-1"), first) << "the same claim, repeated";
  EXPECT_EQ(claim("token-2"), (std::vector<std::string>{"none"})) << "a new claim takes nothing twice";
}

// A frontend on a redis-server of its own, to kill (the shared one serves the other
// tests), with persistence so that a restart keeps what was written.
class RedisOutageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::RedisServerOptions server_options;
    server_options.append_only = true;
    auto server = testing::RedisServerProcess::Start(server_options);
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(server).value();
    redis::RedisAddress address;
    address.seeds.push_back(server_->endpoint());
    redis::RedisClientOptions client_options;
    client_options.retry_window = std::chrono::milliseconds(200);
    auto client = redis::ConnectRedis(address, client_options);
    ASSERT_TRUE(client.ok()) << client.status().ToString();
    client_ = std::move(client).value();
    auto scheduler = RedisScheduler::Start(client_.get(), SubscribeToRedis(address, client_options), &clock_,
                                           SchedulerOptions{}, RedisBackplaneForTests::Immediate());
    ASSERT_TRUE(scheduler.ok()) << scheduler.status().ToString();
    scheduler_ = std::move(scheduler).value();
    scheduler_->AddWorker("w", kLinuxX86);
  }

  FakeClock clock_;
  std::unique_ptr<testing::RedisServerProcess> server_;
  std::unique_ptr<redis::RedisClient> client_;
  std::unique_ptr<RedisScheduler> scheduler_;
};

TEST_F(RedisOutageTest, NewWorkIsUnavailableButCacheHitsStillAnswerOnThisFrontend) {
  server_->Kill();
  EXPECT_EQ(scheduler_->Enqueue(kClient, MakeAction(1)).status().code(), StatusCode::kUnavailable);
  auto hit = scheduler_->AddCompleted(kClient, testing_support::ActionDigest(2), ExitedWith(0));
  ASSERT_TRUE(hit.ok()) << hit.status().ToString();
  EXPECT_TRUE(scheduler_->Get(kClient, *hit).value().done);
  EXPECT_EQ(scheduler_->Get(Caller{"stranger", false}, *hit).status().code(), StatusCode::kUnavailable)
      << "not ours, so Redis is asked, which is down";
  SnapshotRecorder recorder;
  ASSERT_TRUE(scheduler_->Watch(kClient, *hit, recorder.Listener()).ok());
  ASSERT_EQ(recorder.seen().size(), 1u);
  EXPECT_TRUE(recorder.seen()[0].done);
  EXPECT_EQ(recorder.seen()[0].response.result().exit_code(), 0);

  ASSERT_TRUE(server_->Restart().ok());
  EXPECT_TRUE(Eventually([&] { return scheduler_->Enqueue(kClient, MakeAction(1)).ok(); }));
}

TEST_F(RedisOutageTest, AResultReportedWhileRedisIsAwayIsRecordedOnceItIsBack) {
  const std::string name = scheduler_->Enqueue(kClient, MakeAction(1)).value();
  auto work = RequestWork(*scheduler_, "w");
  ASSERT_EQ(work->operation(), name);
  server_->Kill();
  scheduler_->ReportCompleted(name, "w", 1, ExitedWith(3));  // Redis is down: kept for later.
  ASSERT_TRUE(server_->Restart().ok());
  ASSERT_TRUE(Eventually([&] {
    auto snapshot = scheduler_->Get(kClient, name);
    return snapshot.ok() && snapshot->done;
  }, std::chrono::seconds(10)));
  EXPECT_EQ(scheduler_->Get(kClient, name).value().response.result().exit_code(), 3);
}

}  // namespace
}  // namespace kiln
