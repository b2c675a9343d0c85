// A worker that took an assignment and never reports loses it once the action's timeout
// plus the grace period has passed: the action is re-queued as the next attempt, the late
// report is ignored, and after the last attempt the operation fails.
#include <gtest/gtest.h>

#include "scheduler/scheduler.h"
#include "scheduler/scheduler_test_support.h"

namespace kiln {
namespace {

using testing_support::ExitedWith;
using testing_support::kClient;
using testing_support::MakeAction;
using testing_support::RequestWork;
using testing_support::SnapshotRecorder;

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

const Platform& kLinux = testing_support::kLinuxX86;

class SchedulerExpiryTest : public ::testing::TestWithParam<testing_support::SchedulerKind> {
 protected:
  SchedulerExpiryTest() : owned_(testing_support::MakeScheduler(GetParam(), &clock_, Options())), scheduler_(*owned_) {
    scheduler_.AddWorker("silent", kLinux);
    scheduler_.AddWorker("other", kLinux);
  }
  static SchedulerOptions Options() {
    SchedulerOptions options;
    options.max_attempts = 3;
    options.default_action_timeout = minutes(15);
    options.max_action_timeout = hours(3);
    options.report_grace = minutes(1);
    return options;
  }
  static QueuedAction WithTimeout(int n, Duration timeout) {
    QueuedAction action = MakeAction(n);
    action.action.mutable_timeout()->set_seconds(std::chrono::duration_cast<seconds>(timeout).count());
    return action;
  }
  std::string Enqueue(QueuedAction action) { return scheduler_.Enqueue(kClient, std::move(action)).value(); }
  OperationSnapshot Get(const std::string& name) { return scheduler_.Get(kClient, name).value(); }
  void AdvanceAndTick(Duration by) {
    clock_.Advance(by);
    scheduler_.Tick();
  }

  FakeClock clock_;
  std::unique_ptr<Scheduler> owned_;
  Scheduler& scheduler_;
};

TEST_P(SchedulerExpiryTest, AnAssignmentExpiresAfterTheActionsTimeoutPlusGrace) {
  const std::string name = Enqueue(WithTimeout(1, minutes(2)));
  auto first = RequestWork(scheduler_, "silent");
  ASSERT_EQ(first->operation(), name);
  AdvanceAndTick(minutes(3));  // Exactly timeout + grace: still the worker's.
  EXPECT_FALSE(first->assignment()->cancelled->load());
  EXPECT_EQ(scheduler_.queued_count(), 0u);

  AdvanceAndTick(seconds(1));
  EXPECT_TRUE(first->assignment()->cancelled->load());  // The worker's copy is told to stop.
  EXPECT_EQ(scheduler_.queued_count(), 1u);
  EXPECT_FALSE(Get(name).done);
  auto second = RequestWork(scheduler_, "other");
  ASSERT_EQ(second->operation(), name);
  EXPECT_EQ(second->assignment()->attempt, 2);
}

TEST_P(SchedulerExpiryTest, WithoutATimeoutTheWorkersDefaultCountsAndLongOnesAreCapped) {
  const std::string unset = Enqueue(MakeAction(1));
  const std::string huge = Enqueue(WithTimeout(2, hours(10)));
  auto a = RequestWork(scheduler_, "silent");
  auto b = RequestWork(scheduler_, "silent");
  ASSERT_EQ(a->operation(), unset);
  ASSERT_EQ(b->operation(), huge);
  AdvanceAndTick(minutes(16));
  EXPECT_FALSE(a->assignment()->cancelled->load());
  AdvanceAndTick(seconds(1));
  EXPECT_TRUE(a->assignment()->cancelled->load());
  EXPECT_FALSE(b->assignment()->cancelled->load());
  AdvanceAndTick(hours(3) + minutes(1) - minutes(16) - seconds(1));  // Exactly 3 h + grace.
  EXPECT_FALSE(b->assignment()->cancelled->load());
  AdvanceAndTick(seconds(1));
  EXPECT_TRUE(b->assignment()->cancelled->load());
}

TEST_P(SchedulerExpiryTest, AnAbsurdTimeoutIsCappedNotOverflowed) {
  QueuedAction action = MakeAction(1);
  action.action.mutable_timeout()->set_seconds(INT64_MAX);
  Enqueue(std::move(action));
  auto answer = RequestWork(scheduler_, "silent");
  AdvanceAndTick(minutes(5));
  EXPECT_FALSE(answer->assignment()->cancelled->load());
  AdvanceAndTick(hours(3));
  EXPECT_TRUE(answer->assignment()->cancelled->load());
}

TEST_P(SchedulerExpiryTest, AWorkerThatReportsInTimeKeepsItsResult) {
  const std::string name = Enqueue(WithTimeout(1, minutes(2)));
  ASSERT_EQ(RequestWork(scheduler_, "silent")->operation(), name);
  AdvanceAndTick(minutes(2) + seconds(50));  // Past the timeout, within the grace (uploading).
  scheduler_.ReportCompleted(name, "silent", 1, ExitedWith(0));
  EXPECT_TRUE(Get(name).done);
  AdvanceAndTick(minutes(5));  // Within retention; long past the deadline.
  EXPECT_EQ(Get(name).response.result().exit_code(), 0);
}

TEST_P(SchedulerExpiryTest, TheLateReportIsIgnoredEvenWhenTheRetryWentToTheSameWorker) {
  const std::string name = Enqueue(WithTimeout(1, minutes(2)));
  auto first = RequestWork(scheduler_, "silent");
  ASSERT_EQ(first->operation(), name);
  scheduler_.ReportExecuting(name, "silent", 1, OutputStreamNames{"logstreams/1out", "logstreams/1err"});
  auto retry = RequestWork(scheduler_, "silent");  // Another slot of the same worker waits.
  SnapshotRecorder recorder;
  ASSERT_TRUE(scheduler_.Watch(kClient, name, recorder.Listener()).ok());

  AdvanceAndTick(minutes(4));
  ASSERT_EQ(retry->operation(), name);
  EXPECT_EQ(retry->assignment()->attempt, 2);
  EXPECT_EQ(Get(name).stdout_stream_name, "");  // Those belonged to the abandoned attempt.
  scheduler_.ReportExecuting(name, "silent", 1, OutputStreamNames{"logstreams/late", "logstreams/late"});
  EXPECT_EQ(Get(name).stage, ExecutionStage::kQueued);
  scheduler_.ReportCompleted(name, "silent", 1, ExitedWith(7));
  EXPECT_FALSE(Get(name).done);

  scheduler_.ReportCompleted(name, "silent", 2, ExitedWith(0));
  EXPECT_TRUE(Get(name).done);
  EXPECT_EQ(Get(name).response.result().exit_code(), 0);
  using enum ExecutionStage;
  EXPECT_EQ(recorder.stages(), (std::vector{kExecuting, kQueued, kCompleted}));
}

TEST_P(SchedulerExpiryTest, ASilentWorkerWhoNeverStartedStillShowsWatchersTheTakeBack) {
  // The worker service learns of the take-back from this update, started or not.
  const std::string name = Enqueue(WithTimeout(1, minutes(2)));
  ASSERT_EQ(RequestWork(scheduler_, "silent")->operation(), name);
  SnapshotRecorder recorder;
  ASSERT_TRUE(scheduler_.Watch(Caller::Internal(), name, recorder.Listener()).ok());
  AdvanceAndTick(minutes(4));
  using enum ExecutionStage;
  EXPECT_EQ(recorder.stages(), (std::vector{kQueued, kQueued}));
}

TEST_P(SchedulerExpiryTest, AfterTheLastAttemptTheOperationFailsSayingTheWorkerDidNotReport) {
  const std::string name = Enqueue(WithTimeout(1, minutes(2)));
  for (int attempt = 1; attempt <= 3; ++attempt) {
    auto answer = RequestWork(scheduler_, attempt % 2 ? "silent" : "other");
    ASSERT_EQ(answer->operation(), name) << attempt;
    EXPECT_EQ(answer->assignment()->attempt, attempt);
    AdvanceAndTick(minutes(3) + seconds(1));
  }
  const OperationSnapshot snapshot = Get(name);
  ASSERT_TRUE(snapshot.done);
  EXPECT_EQ(snapshot.response.status().code(), static_cast<int>(StatusCode::kUnavailable));
  const std::string& message = snapshot.response.status().message();
  EXPECT_NE(message.find("worker silent did not report a result in time"), std::string::npos) << message;
  EXPECT_NE(message.find("gave up after 3 attempts"), std::string::npos) << message;
  EXPECT_EQ(scheduler_.queued_count(), 0u);
  scheduler_.ReportCompleted(name, "silent", 3, ExitedWith(0));  // Too late.
  EXPECT_EQ(Get(name).response.status().code(), static_cast<int>(StatusCode::kUnavailable));
}

TEST_P(SchedulerExpiryTest, QueuedTimeDoesNotCountOnlyTheAssignmentsOwn) {
  const std::string name = Enqueue(WithTimeout(1, minutes(2)));
  AdvanceAndTick(hours(1));  // Waiting for a worker is not the worker's fault.
  auto answer = RequestWork(scheduler_, "silent");
  ASSERT_EQ(answer->operation(), name);
  AdvanceAndTick(minutes(3));
  EXPECT_FALSE(answer->assignment()->cancelled->load());
  scheduler_.ReportCompleted(name, "silent", 1, ExitedWith(0));
  EXPECT_TRUE(Get(name).done);
}

}  // namespace

INSTANTIATE_TEST_SUITE_P(Implementations, SchedulerExpiryTest, ::testing::ValuesIn(testing_support::AllSchedulerKinds()),
                         testing_support::SchedulerKindName);

}  // namespace kiln
