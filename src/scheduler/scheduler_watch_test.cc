// Watching operations: order of snapshots, many watchers, Unwatch, re-entrant listeners.
#include <gtest/gtest.h>

#include "scheduler/scheduler.h"
#include "scheduler/scheduler_test_support.h"

namespace kiln {
namespace {

using testing_support::kClient;
using testing_support::Props;

using testing_support::ExitedWith;
using testing_support::MakeAction;
using testing_support::RequestWork;
using testing_support::SnapshotRecorder;

const Platform kLinux = Props({{"OSFamily", "linux"}});

class SchedulerWatchTest : public ::testing::TestWithParam<testing_support::SchedulerKind> {
 protected:
  SchedulerWatchTest()
      : owned_(testing_support::MakeScheduler(GetParam(), &clock_, SchedulerOptions{})), scheduler_(*owned_) { scheduler_.AddWorker("w", kLinux); }

  std::string Enqueue(int n) {
    auto name = scheduler_.Enqueue(kClient, MakeAction(n));
    EXPECT_TRUE(name.ok());
    return name.ok() ? *name : "";
  }
  Scheduler::WatchId Watch(const std::string& name, Scheduler::Listener listener) {
    auto id = scheduler_.Watch(kClient, name, std::move(listener));
    EXPECT_TRUE(id.ok()) << id.status().ToString();
    return id.ok() ? *id : 0;
  }

  FakeClock clock_;
  std::unique_ptr<Scheduler> owned_;
  Scheduler& scheduler_;
};

TEST_P(SchedulerWatchTest, SeesQueuedExecutingCompletedInOrderWithDoneLast) {
  const std::string name = Enqueue(1);
  SnapshotRecorder recorder;
  Watch(name, recorder.Listener());
  ASSERT_EQ(recorder.stages(), std::vector{ExecutionStage::kQueued});  // The current state, at once.

  auto work = RequestWork(scheduler_, "w");
  scheduler_.ReportExecuting(name, "w", 1);
  scheduler_.ReportCompleted(name, "w", 1, ExitedWith(0));
  scheduler_.ReportExecuting(name, "w", 1);                 // Stale, after the end.
  scheduler_.ReportCompleted(name, "w", 1, ExitedWith(1));  // Stale too.

  const auto seen = recorder.seen();
  ASSERT_EQ(recorder.stages(),
            (std::vector{ExecutionStage::kQueued, ExecutionStage::kExecuting, ExecutionStage::kCompleted}));
  EXPECT_FALSE(seen[1].done);
  EXPECT_EQ(seen[1].partial_metadata.worker(), "w");
  EXPECT_TRUE(seen[2].done);
  EXPECT_EQ(seen[2].response.result().exit_code(), 0);
  for (const auto& snapshot : seen) EXPECT_EQ(snapshot.name, name);
}

TEST_P(SchedulerWatchTest, WatchingAFinishedOperationGivesTheDoneSnapshotOnly) {
  const std::string name = scheduler_.AddCompleted(kClient, testing_support::ActionDigest(1), ExitedWith(0)).value();
  SnapshotRecorder recorder;
  const auto id = Watch(name, recorder.Listener());
  ASSERT_EQ(recorder.seen().size(), 1u);
  EXPECT_TRUE(recorder.seen()[0].done);
  scheduler_.Unwatch(id);  // Already dropped: harmless.
}

TEST_P(SchedulerWatchTest, UnknownOperationIsNotFound) {
  EXPECT_EQ(scheduler_.Watch(kClient, "operations/none", [](const OperationSnapshot&) {}).status().code(),
            StatusCode::kNotFound);
}

TEST_P(SchedulerWatchTest, ManyWatchersAllSeeEveryChange) {
  const std::string name = Enqueue(1);
  std::vector<SnapshotRecorder> recorders(300);
  for (auto& recorder : recorders) Watch(name, recorder.Listener());
  auto work = RequestWork(scheduler_, "w");
  scheduler_.ReportExecuting(name, "w", 1);
  scheduler_.ReportCompleted(name, "w", 1, ExitedWith(0));
  for (const auto& recorder : recorders) {
    ASSERT_EQ(recorder.stages(),
              (std::vector{ExecutionStage::kQueued, ExecutionStage::kExecuting, ExecutionStage::kCompleted}));
  }
}

TEST_P(SchedulerWatchTest, MergedRequestsWatchTheSameOperation) {
  const std::string name = Enqueue(1);
  SnapshotRecorder first, second;
  Watch(name, first.Listener());
  ASSERT_EQ(Enqueue(1), name);
  Watch(name, second.Listener());
  ASSERT_TRUE(scheduler_.Cancel(kClient, name).ok());
  EXPECT_EQ(first.stages(), (std::vector{ExecutionStage::kQueued, ExecutionStage::kCompleted}));
  EXPECT_EQ(second.stages(), (std::vector{ExecutionStage::kQueued, ExecutionStage::kCompleted}));
  EXPECT_EQ(second.seen().back().response.status().code(), static_cast<int>(StatusCode::kCancelled));
}

TEST_P(SchedulerWatchTest, UnwatchStopsNotifications) {
  const std::string name = Enqueue(1);
  SnapshotRecorder kept, dropped;
  Watch(name, kept.Listener());
  const auto id = Watch(name, dropped.Listener());
  scheduler_.Unwatch(id);
  scheduler_.Unwatch(id);  // Twice is fine.
  auto work = RequestWork(scheduler_, "w");
  scheduler_.ReportExecuting(name, "w", 1);
  scheduler_.ReportCompleted(name, "w", 1, ExitedWith(0));
  EXPECT_EQ(dropped.seen().size(), 1u);
  EXPECT_EQ(kept.seen().size(), 3u);
}

TEST_P(SchedulerWatchTest, LostWorkerShowsTheOperationQueuedAgain) {
  scheduler_.AddWorker("other", kLinux);
  const std::string name = Enqueue(1);
  SnapshotRecorder recorder;
  Watch(name, recorder.Listener());
  auto work = RequestWork(scheduler_, "w");
  scheduler_.ReportExecuting(name, "w", 1);
  scheduler_.RemoveWorker("w");
  auto retry = RequestWork(scheduler_, "other");
  scheduler_.ReportExecuting(name, "other", 2);
  scheduler_.ReportCompleted(name, "other", 2, ExitedWith(0));
  using enum ExecutionStage;
  EXPECT_EQ(recorder.stages(), (std::vector{kQueued, kExecuting, kQueued, kExecuting, kCompleted}));
  EXPECT_EQ(recorder.seen()[3].partial_metadata.worker(), "other");
}

TEST_P(SchedulerWatchTest, ListenerMayCallBackIntoTheScheduler) {
  const std::string name = Enqueue(1);
  std::vector<ExecutionStage> stages_from_get;
  Scheduler::WatchId id = 0;
  id = Watch(name, [&](const OperationSnapshot& snapshot) {
    auto current = scheduler_.Get(kClient, snapshot.name);  // Would deadlock if called under the lock.
    ASSERT_TRUE(current.ok());
    stages_from_get.push_back(current->stage);
    scheduler_.List(kClient);
    if (snapshot.stage == ExecutionStage::kExecuting) {
      ASSERT_TRUE(scheduler_.Cancel(kClient, snapshot.name).ok());  // Changes the operation from inside.
      scheduler_.Unwatch(id);                              // And unwatches itself.
    }
  });
  auto work = RequestWork(scheduler_, "w");
  scheduler_.ReportExecuting(name, "w", 1);
  // Get shows the current state; the cancellation's own snapshot never came, the watch
  // having been stopped while it was being delivered.
  EXPECT_EQ(stages_from_get, (std::vector{ExecutionStage::kQueued, ExecutionStage::kExecuting}));
  EXPECT_TRUE(scheduler_.Get(kClient, name)->done);
  EXPECT_TRUE(work->assignment()->cancelled->load());
}

TEST_P(SchedulerWatchTest, ListenerStartingAWatchOnItsOperationDoesNotDeadlock) {
  const std::string name = Enqueue(1);
  SnapshotRecorder inner;
  bool started = false;
  Watch(name, [&](const OperationSnapshot& snapshot) {
    if (started) return;
    started = true;
    ASSERT_TRUE(scheduler_.Watch(kClient, snapshot.name, inner.Listener()).ok());
  });
  ASSERT_TRUE(scheduler_.Cancel(kClient, name).ok());
  EXPECT_EQ(inner.stages(), (std::vector{ExecutionStage::kQueued, ExecutionStage::kCompleted}));
}

}  // namespace

INSTANTIATE_TEST_SUITE_P(Implementations, SchedulerWatchTest, ::testing::ValuesIn(testing_support::AllSchedulerKinds()),
                         testing_support::SchedulerKindName);

}  // namespace kiln
