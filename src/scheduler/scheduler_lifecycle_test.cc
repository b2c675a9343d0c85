// An operation after it was handed out: reports, metadata, cancellation, lost workers,
// retention and shutdown.
#include "scheduler/scheduler.h"

#include <gtest/gtest.h>

#include "scheduler/scheduler_test_support.h"

namespace kiln {
namespace {

using testing_support::kClient;
using testing_support::ActionDigest;
using testing_support::ExitedWith;
using testing_support::MakeAction;
using testing_support::Props;
using testing_support::RequestWork;

const Platform& kLinux = testing_support::kLinuxX86;
const Platform& kLinuxGpu = testing_support::kLinuxX86Gpu;

class SchedulerLifecycleTest : public testing_support::SchedulerFixture {};

TEST_P(SchedulerLifecycleTest, ExecutingAndCompletedCarryMetadata) {
  scheduler_.AddWorker("w", kLinux);
  const std::string name = Enqueue(MakeAction(1));
  ASSERT_EQ(RequestWork(scheduler_, "w")->operation(), name);
  EXPECT_EQ(Get(name).stage, ExecutionStage::kQueued);  // Assigned, not yet started.
  scheduler_.ReportExecuting(name, "w", 1);
  OperationSnapshot running = Get(name);
  EXPECT_EQ(running.stage, ExecutionStage::kExecuting);
  EXPECT_EQ(running.partial_metadata.worker(), "w");
  EXPECT_TRUE(running.partial_metadata.has_worker_start_timestamp());

  scheduler_.ReportCompleted(name, "w", 1, ExitedWith(3));
  const OperationSnapshot done = Get(name);
  EXPECT_EQ(done.stage, ExecutionStage::kCompleted);
  EXPECT_TRUE(done.done);
  EXPECT_EQ(done.response.result().exit_code(), 3);
  // The worker left these unset; the scheduler knows them.
  EXPECT_EQ(done.response.result().execution_metadata().queued_timestamp().seconds(),
            running.partial_metadata.queued_timestamp().seconds());
  EXPECT_EQ(done.response.result().execution_metadata().worker(), "w");
}

TEST_P(SchedulerLifecycleTest, OutputStreamNamesArePublishedWhileExecutingAndDroppedOnRequeue) {
  scheduler_.AddWorker("a", kLinux);
  const std::string name = Enqueue(MakeAction(1));
  ASSERT_EQ(RequestWork(scheduler_, "a")->operation(), name);
  EXPECT_EQ(Get(name).stdout_stream_name, "");
  scheduler_.ReportExecuting(name, "a", 1, OutputStreamNames{"i/logstreams/out", "i/logstreams/err"});
  EXPECT_EQ(Get(name).stdout_stream_name, "i/logstreams/out");
  EXPECT_EQ(Get(name).stderr_stream_name, "i/logstreams/err");
  scheduler_.RemoveWorker("a");  // Re-queued: those streams belong to the lost attempt.
  EXPECT_EQ(Get(name).stdout_stream_name, "");
  EXPECT_EQ(Get(name).stderr_stream_name, "");
}

TEST_P(SchedulerLifecycleTest, WorkerMetadataIsKept) {
  scheduler_.AddWorker("w", kLinux);
  const std::string name = Enqueue(MakeAction(1));
  RequestWork(scheduler_, "w");
  reapi::ExecuteResponse response = ExitedWith(0);
  auto* metadata = response.mutable_result()->mutable_execution_metadata();
  metadata->mutable_queued_timestamp()->set_seconds(42);
  metadata->set_worker("w/slot-2");
  scheduler_.ReportCompleted(name, "w", 1, response);
  EXPECT_EQ(Get(name).response.result().execution_metadata().queued_timestamp().seconds(), 42);
  EXPECT_EQ(Get(name).response.result().execution_metadata().worker(), "w/slot-2");
}

TEST_P(SchedulerLifecycleTest, CancelQueuedCompletesAtOnce) {
  scheduler_.AddWorker("w", kLinux);
  const std::string name = Enqueue(MakeAction(1));
  ASSERT_TRUE(scheduler_.Cancel(kClient, name).ok());
  const OperationSnapshot snapshot = Get(name);
  EXPECT_TRUE(snapshot.done);
  EXPECT_EQ(snapshot.stage, ExecutionStage::kCompleted);
  EXPECT_EQ(snapshot.response.status().code(), static_cast<int>(StatusCode::kCancelled));
  EXPECT_EQ(scheduler_.queued_count(), 0u);
  EXPECT_FALSE(RequestWork(scheduler_, "w")->answered());  // Nothing left to hand out.
  EXPECT_NE(Enqueue(MakeAction(1)), name);                 // A cancelled one is not joined.
}

TEST_P(SchedulerLifecycleTest, CancelRunningFlagsTheAssignmentAndIgnoresTheLateReport) {
  scheduler_.AddWorker("w", kLinux);
  const std::string name = Enqueue(MakeAction(1));
  auto answer = RequestWork(scheduler_, "w");
  scheduler_.ReportExecuting(name, "w", 1);
  ASSERT_TRUE(scheduler_.Cancel(kClient, name).ok());
  EXPECT_TRUE(answer->assignment()->cancelled->load());
  EXPECT_TRUE(Get(name).done);
  EXPECT_EQ(Get(name).response.status().code(), static_cast<int>(StatusCode::kCancelled));
  scheduler_.ReportCompleted(name, "w", 1, ExitedWith(0));
  EXPECT_EQ(Get(name).response.status().code(), static_cast<int>(StatusCode::kCancelled));
  EXPECT_FALSE(Get(name).response.has_result());
}

TEST_P(SchedulerLifecycleTest, CancelDoneIsANoOpAndUnknownIsNotFound) {
  scheduler_.AddWorker("w", kLinux);
  const std::string name = Enqueue(MakeAction(1));
  RequestWork(scheduler_, "w");
  scheduler_.ReportCompleted(name, "w", 1, ExitedWith(0));
  EXPECT_TRUE(scheduler_.Cancel(kClient, name).ok());
  EXPECT_EQ(Get(name).response.status().code(), 0);
  EXPECT_EQ(Get(name).response.result().exit_code(), 0);
  EXPECT_EQ(scheduler_.Cancel(kClient, "operations/nope").code(), StatusCode::kNotFound);
  EXPECT_EQ(scheduler_.Get(kClient, "operations/nope").status().code(), StatusCode::kNotFound);
}

TEST_P(SchedulerLifecycleTest, LostWorkersActionRunsOnAnotherWithTheNextAttempt) {
  scheduler_.AddWorker("a", kLinux);
  scheduler_.AddWorker("b", kLinux);
  const std::string name = Enqueue(MakeAction(1));
  auto first = RequestWork(scheduler_, "a");
  ASSERT_EQ(first->operation(), name);
  scheduler_.ReportExecuting(name, "a", 1);
  auto waiting_on_a = RequestWork(scheduler_, "a");  // A second slot of the lost worker.

  scheduler_.RemoveWorker("a");
  EXPECT_TRUE(first->assignment()->cancelled->load());  // In case "a" still runs it.
  ASSERT_TRUE(waiting_on_a->answered());
  EXPECT_FALSE(waiting_on_a->assignment().has_value());
  const OperationSnapshot requeued = Get(name);
  EXPECT_EQ(requeued.stage, ExecutionStage::kQueued);
  EXPECT_EQ(requeued.partial_metadata.worker(), "");
  EXPECT_FALSE(requeued.done);

  auto second = RequestWork(scheduler_, "b");
  ASSERT_EQ(second->operation(), name);
  EXPECT_EQ(second->assignment()->attempt, 2);
  scheduler_.ReportCompleted(name, "a", 1, ExitedWith(1));  // Stale: "a" is no longer the assignee.
  EXPECT_FALSE(Get(name).done);
  scheduler_.ReportCompleted(name, "b", 2, ExitedWith(0));
  EXPECT_TRUE(Get(name).done);
  EXPECT_EQ(Get(name).response.result().exit_code(), 0);
}

TEST_P(SchedulerLifecycleTest, RequeuedActionGoesStraightToAWaitingWorker) {
  scheduler_.AddWorker("a", kLinux);
  scheduler_.AddWorker("b", kLinux);
  const std::string name = Enqueue(MakeAction(1));
  RequestWork(scheduler_, "a");
  auto waiting = RequestWork(scheduler_, "b");
  EXPECT_FALSE(waiting->answered());
  scheduler_.RemoveWorker("a");
  ASSERT_TRUE(waiting->answered());
  EXPECT_EQ(waiting->operation(), name);
  EXPECT_EQ(waiting->assignment()->attempt, 2);
}

TEST_P(SchedulerLifecycleTest, ExhaustedAttemptsCompleteWithUnavailable) {
  for (int attempt = 1; attempt <= 3; ++attempt) {
    scheduler_.AddWorker("w" + std::to_string(attempt), kLinux);
  }
  const std::string name = Enqueue(MakeAction(1));
  for (int attempt = 1; attempt <= 3; ++attempt) {
    const std::string worker = "w" + std::to_string(attempt);
    auto answer = RequestWork(scheduler_, worker);
    ASSERT_EQ(answer->operation(), name);
    EXPECT_EQ(answer->assignment()->attempt, attempt);
    scheduler_.RemoveWorker(worker);
  }
  const OperationSnapshot snapshot = Get(name);
  EXPECT_TRUE(snapshot.done);
  EXPECT_EQ(snapshot.response.status().code(), static_cast<int>(StatusCode::kUnavailable));
  EXPECT_NE(snapshot.response.status().message().find("w3"), std::string::npos);
  EXPECT_EQ(scheduler_.queued_count(), 0u);
}

TEST_P(SchedulerLifecycleTest, ReportsFromOtherWorkersAreIgnored) {
  scheduler_.AddWorker("a", kLinux);
  scheduler_.AddWorker("b", kLinux);
  const std::string name = Enqueue(MakeAction(1));
  RequestWork(scheduler_, "a");
  scheduler_.ReportExecuting(name, "b", 1);
  EXPECT_EQ(Get(name).stage, ExecutionStage::kQueued);
  scheduler_.ReportCompleted(name, "b", 1, ExitedWith(0));
  EXPECT_FALSE(Get(name).done);
  scheduler_.ReportCompleted("operations/unknown", "a", 1, ExitedWith(0));  // Harmless.
}

TEST_P(SchedulerLifecycleTest, FindAssignmentAnswersOnlyForTheCurrentAttemptOfItsWorker) {
  scheduler_.AddWorker("a", kLinux);
  scheduler_.AddWorker("b", kLinux);
  const std::string name = Enqueue(MakeAction(1));
  auto first = RequestWork(scheduler_, "a");
  ASSERT_EQ(first->operation(), name);
  auto found = scheduler_.FindAssignment(name, "a", 1);
  ASSERT_TRUE(found.ok()) << found.status().ToString();
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->operation_name, name);
  EXPECT_EQ((*found)->attempt, 1);
  EXPECT_EQ((*found)->action->action_digest, first->assignment()->action->action_digest);
  EXPECT_FALSE(scheduler_.FindAssignment(name, "b", 1).value().has_value()) << "another worker's";
  EXPECT_FALSE(scheduler_.FindAssignment(name, "a", 2).value().has_value()) << "another attempt";
  EXPECT_FALSE(scheduler_.FindAssignment("operations/unknown", "a", 1).value().has_value());

  scheduler_.RemoveWorker("a");  // Taken back: attempt 1 is no longer anyone's.
  EXPECT_FALSE(scheduler_.FindAssignment(name, "a", 1).value().has_value());
  auto second = RequestWork(scheduler_, "b");
  ASSERT_EQ(second->operation(), name);
  EXPECT_TRUE(scheduler_.FindAssignment(name, "b", 2).value().has_value());
  scheduler_.ReportCompleted(name, "b", 2, ExitedWith(0));
  EXPECT_FALSE(scheduler_.FindAssignment(name, "b", 2).value().has_value()) << "done";
}

TEST_P(SchedulerLifecycleTest, AddCompletedIsDoneAndRetainedLikeOthers) {
  reapi::ExecuteResponse response = ExitedWith(0);
  response.set_cached_result(true);
  const std::string name = scheduler_.AddCompleted(kClient, ActionDigest(7), response).value();
  const OperationSnapshot snapshot = Get(name);
  EXPECT_TRUE(snapshot.done);
  EXPECT_EQ(snapshot.stage, ExecutionStage::kCompleted);
  EXPECT_TRUE(snapshot.response.cached_result());
  EXPECT_EQ(snapshot.action_digest, ActionDigest(7));
  clock_.Advance(std::chrono::minutes(11));
  scheduler_.Tick();
  EXPECT_EQ(scheduler_.Get(kClient, name).status().code(), StatusCode::kNotFound);
}

TEST_P(SchedulerLifecycleTest, TickDropsFinishedOperationsAfterRetention) {
  scheduler_.AddWorker("w", kLinux);
  const std::string old_done = Enqueue(MakeAction(1));
  ASSERT_TRUE(scheduler_.Cancel(kClient, old_done).ok());
  clock_.Advance(std::chrono::minutes(6));
  const std::string young_done = Enqueue(MakeAction(2));
  ASSERT_TRUE(scheduler_.Cancel(kClient, young_done).ok());
  const std::string still_queued = Enqueue(MakeAction(3));

  clock_.Advance(std::chrono::minutes(5));  // 11 minutes after the first, 5 after the second.
  scheduler_.Tick();
  EXPECT_EQ(scheduler_.Get(kClient, old_done).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(scheduler_.Watch(kClient, old_done, [](const OperationSnapshot&) {}).status().code(),
            StatusCode::kNotFound);
  EXPECT_TRUE(scheduler_.Get(kClient, young_done).ok());
  EXPECT_TRUE(scheduler_.Get(kClient, still_queued).ok());
  EXPECT_EQ(scheduler_.List(kClient).size(), 2u);

  clock_.Advance(std::chrono::hours(1));
  scheduler_.Tick();
  EXPECT_FALSE(scheduler_.Get(kClient, young_done).ok());
  EXPECT_TRUE(scheduler_.Get(kClient, still_queued).ok());  // Unfinished work is never dropped.
}

class SchedulerRetentionTest : public ::testing::TestWithParam<testing_support::SchedulerKind> {};

TEST_P(SchedulerRetentionTest, FinishedOperationsBeyondTheCountGoOldestFirst) {
  FakeClock clock;
  SchedulerOptions options;
  options.max_retained_finished = 2;
  auto owned = testing_support::MakeScheduler(GetParam(), &clock, options);
  Scheduler& scheduler = *owned;
  scheduler.AddWorker("w", kLinux);
  std::vector<std::string> done;
  for (int i = 0; i < 3; ++i) {
    done.push_back(*scheduler.Enqueue(kClient, MakeAction(i)));
    ASSERT_TRUE(scheduler.Cancel(kClient, done.back()).ok());
  }
  const std::string cached = scheduler.AddCompleted(kClient, ActionDigest(9), ExitedWith(0)).value();
  const std::string queued = *scheduler.Enqueue(kClient, MakeAction(5));
  EXPECT_EQ(scheduler.Get(kClient, done[0]).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(scheduler.Get(kClient, done[1]).status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(scheduler.Get(kClient, done[2]).ok());
  EXPECT_TRUE(scheduler.Get(kClient, cached).ok());
  EXPECT_TRUE(scheduler.Get(kClient, queued).ok());  // Unfinished work is never dropped.
  EXPECT_EQ(scheduler.List(kClient).size(), 3u);
}

TEST_P(SchedulerLifecycleTest, ShutdownAnswersEveryRequestWithNothing) {
  scheduler_.AddWorker("a", kLinux);
  scheduler_.AddWorker("b", kLinuxGpu);
  auto a = RequestWork(scheduler_, "a");
  auto b = RequestWork(scheduler_, "b");
  scheduler_.Shutdown();
  ASSERT_TRUE(a->answered() && b->answered());
  EXPECT_FALSE(a->assignment().has_value());
  EXPECT_FALSE(b->assignment().has_value());
  auto later = RequestWork(scheduler_, "a");
  ASSERT_TRUE(later->answered());
  EXPECT_FALSE(later->assignment().has_value());
  EXPECT_EQ(scheduler_.Enqueue(kClient, MakeAction(1)).status().code(), StatusCode::kUnavailable);
}

}  // namespace

INSTANTIATE_TEST_SUITE_P(Implementations, SchedulerLifecycleTest, ::testing::ValuesIn(testing_support::AllSchedulerKinds()),
                         testing_support::SchedulerKindName);

INSTANTIATE_TEST_SUITE_P(Implementations, SchedulerRetentionTest, ::testing::ValuesIn(testing_support::AllSchedulerKinds()),
                         testing_support::SchedulerKindName);

}  // namespace kiln
