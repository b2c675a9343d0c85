// The worker service over a scheduler on a fake clock: an assignment whose worker stays
// silent past the action's timeout plus the grace period is taken back (the worker gets a
// Cancellation) and its late report neither completes the operation nor reaches the action
// cache, even when the retry went to the same worker; and a stream cannot report for an
// operation it was not assigned.
#include <gtest/gtest.h>
#include <grpcpp/grpcpp.h>

#include <functional>
#include <thread>

#include "ac/local_action_cache.h"
#include "ac/record_store.h"
#include "cas/memory_blob_store.h"
#include "scheduler/in_process_scheduler.h"
#include "server/worker_service.h"
#include "server/worker_test_support.h"

namespace kiln {
namespace {

using worker_test::HandDrivenWorker;

const Caller kClient{"client", false};

// A result no worker would produce by accident: tells whose report was recorded.
reapi::ActionResult MarkedResult(const std::string& marker) {
  reapi::ActionResult result;
  result.mutable_execution_metadata()->set_worker(marker);
  return result;
}

class WorkerTakeBackTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SchedulerOptions options;
    options.report_grace = std::chrono::minutes(1);
    options.max_attempts = 3;
    scheduler_ = std::make_unique<InProcessScheduler>(&clock_, options);
    service_ = std::make_unique<WorkerService>(scheduler_.get(), &cache_, nullptr, &no_auth_);
    worker_test::ServiceOnLoopback served = worker_test::ServeOnLoopback(service_.get());
    server_ = std::move(served.server);
    channel_ = std::move(served.channel);
  }
  void TearDown() override {
    scheduler_->Shutdown();
    server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  }

  std::unique_ptr<HandDrivenWorker> ReadyWorker(const std::string& worker_id, int requests) {
    auto worker = std::make_unique<HandDrivenWorker>(channel_);
    EXPECT_TRUE(worker->Hello(worker_id));
    for (int i = 0; i < requests; ++i) EXPECT_TRUE(worker->RequestWork());
    return worker;
  }
  std::string Enqueue(int n) {
    QueuedAction action;
    action.action_digest = ComputeDigest(DigestFunction::kSha256, "action " + std::to_string(n));
    action.action.mutable_timeout()->set_seconds(120);
    return scheduler_->Enqueue(kClient, std::move(action)).value();
  }
  wire::SchedulerMessage Next(HandDrivenWorker& worker) {
    wire::SchedulerMessage message;
    EXPECT_TRUE(worker.Read(&message));
    return message;
  }
  // The stream handles messages in order: waiting for a later one's effect means the
  // earlier ones were handled.
  bool WaitUntil(const std::function<bool()>& condition) {
    for (int i = 0; i < 2000; ++i) {
      if (condition()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return false;
  }
  OperationSnapshot Get(const std::string& name) { return scheduler_->Get(kClient, name).value(); }
  bool Cached(int n) {
    const Digest digest = ComputeDigest(DigestFunction::kSha256, "action " + std::to_string(n));
    return cache_.Get("", digest, InlineRequest{}).ok();
  }

  FakeClock clock_;
  MemoryBlobStore cas_;
  MemoryRecordStore records_;
  LocalActionCache cache_{&records_, &cas_, 1 << 20};
  std::unique_ptr<Scheduler> scheduler_;
  CallAuthorizer no_auth_{nullptr, nullptr};  // No auth file: every caller may connect.
  std::unique_ptr<WorkerService> service_;
  std::unique_ptr<grpc::Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
};

TEST_F(WorkerTakeBackTest, ASilentWorkersLateReportIsIgnoredAndTheRetryCounts) {
  auto worker = ReadyWorker("silent", 2);  // Two slots: the retry comes back to it.
  const std::string name = Enqueue(1);
  wire::SchedulerMessage first = Next(*worker);
  ASSERT_TRUE(first.has_assignment()) << first.DebugString();
  EXPECT_EQ(first.assignment().operation_name(), name);
  EXPECT_EQ(first.assignment().attempt(), 1u);
  ASSERT_TRUE(worker->Started(name, 1));
  ASSERT_TRUE(WaitUntil([&] { return Get(name).stage == ExecutionStage::kExecuting; }));

  clock_.Advance(std::chrono::minutes(3) + std::chrono::seconds(1));
  scheduler_->Tick();
  wire::SchedulerMessage cancellation = Next(*worker);
  ASSERT_TRUE(cancellation.has_cancellation()) << cancellation.DebugString();
  EXPECT_EQ(cancellation.cancellation().operation_name(), name);
  EXPECT_EQ(cancellation.cancellation().attempt(), 1u);
  wire::SchedulerMessage retry = Next(*worker);
  ASSERT_TRUE(retry.has_assignment()) << retry.DebugString();
  EXPECT_EQ(retry.assignment().operation_name(), name);
  EXPECT_EQ(retry.assignment().attempt(), 2u);

  ASSERT_TRUE(worker->Finished(name, MarkedResult("late"), google::rpc::Status(), 1));
  ASSERT_TRUE(worker->Started(name, 2));
  ASSERT_TRUE(WaitUntil([&] { return Get(name).stage == ExecutionStage::kExecuting; }));
  EXPECT_FALSE(Get(name).done);
  EXPECT_FALSE(Cached(1));

  ASSERT_TRUE(worker->Finished(name, MarkedResult("retry"), google::rpc::Status(), 2));
  ASSERT_TRUE(WaitUntil([&] { return Get(name).done; }));
  EXPECT_EQ(Get(name).response.result().execution_metadata().worker(), "retry");
  EXPECT_TRUE(Cached(1));
}

TEST_F(WorkerTakeBackTest, ATakenBackAssignmentIsForgottenEvenIfTheWorkerNeverSpeaksAgain) {
  auto silent = ReadyWorker("silent", 1);
  const std::string name = Enqueue(1);
  ASSERT_TRUE(Next(*silent).has_assignment());
  auto other = ReadyWorker("other", 1);

  clock_.Advance(std::chrono::minutes(3) + std::chrono::seconds(1));
  scheduler_->Tick();
  wire::SchedulerMessage cancellation = Next(*silent);
  ASSERT_TRUE(cancellation.has_cancellation()) << cancellation.DebugString();
  wire::SchedulerMessage retry = Next(*other);
  ASSERT_TRUE(retry.has_assignment());
  EXPECT_EQ(retry.assignment().attempt(), 2u);
  // The old holder's report, even without an attempt (an older worker), is refused: the
  // stream dropped the assignment when it was taken back.
  ASSERT_TRUE(silent->Finished(name, MarkedResult("late"), google::rpc::Status()));
  ASSERT_TRUE(silent->RequestWork());
  const std::string next = Enqueue(2);
  wire::SchedulerMessage next_assignment = Next(*silent);  // Its earlier messages were handled.
  ASSERT_TRUE(next_assignment.has_assignment());
  EXPECT_EQ(next_assignment.assignment().operation_name(), next);
  EXPECT_FALSE(Get(name).done);
  EXPECT_FALSE(Cached(1));
}

TEST_F(WorkerTakeBackTest, AStreamCannotReportForAnOperationItWasNotAssigned) {
  auto holder = ReadyWorker("holder", 1);
  const std::string name = Enqueue(1);
  ASSERT_TRUE(Next(*holder).has_assignment());
  auto intruder = ReadyWorker("intruder", 0);
  ASSERT_TRUE(intruder->Started(name, 1));
  ASSERT_TRUE(intruder->Finished(name, MarkedResult("forged"), google::rpc::Status(), 1));
  ASSERT_TRUE(intruder->Finished("operations/never-assigned", MarkedResult("forged"), google::rpc::Status(), 1));
  ASSERT_TRUE(intruder->RequestWork());
  const std::string next = Enqueue(2);
  wire::SchedulerMessage handled = Next(*intruder);  // Its earlier messages were handled.
  ASSERT_TRUE(handled.has_assignment());
  EXPECT_EQ(handled.assignment().operation_name(), next);
  EXPECT_EQ(Get(name).stage, ExecutionStage::kQueued);
  EXPECT_FALSE(Get(name).done);
  EXPECT_FALSE(Cached(1));

  ASSERT_TRUE(holder->Finished(name, MarkedResult("genuine"), google::rpc::Status(), 1));
  ASSERT_TRUE(WaitUntil([&] { return Get(name).done; }));
  EXPECT_EQ(Get(name).response.result().execution_metadata().worker(), "genuine");
  EXPECT_TRUE(Cached(1));
}

}  // namespace
}  // namespace kiln
