// The bound on waiting actions: Execute beyond it is RESOURCE_EXHAUSTED naming the flag and
// the figure, while joining an identical action, going straight to an idle worker, and
// re-queueing after a lost worker are never refused.
#include <gtest/gtest.h>

#include "scheduler/scheduler.h"
#include "scheduler/scheduler_test_support.h"

namespace kiln {
namespace {

using testing_support::kClient;
using testing_support::MakeAction;
using testing_support::Props;
using testing_support::RequestWork;

class SchedulerQueueBoundTest : public ::testing::TestWithParam<testing_support::SchedulerKind> {
 protected:
  static SchedulerOptions Options() {
    SchedulerOptions options;
    options.max_queued_actions = 3;
    return options;
  }
  std::string Enqueue(int n, Platform platform = {}) {
    auto name = scheduler_.Enqueue(kClient, MakeAction(n, std::move(platform)));
    EXPECT_TRUE(name.ok()) << name.status().ToString();
    return name.ok() ? *name : "";
  }

  FakeClock clock_;
  std::unique_ptr<Scheduler> owned_ = testing_support::MakeScheduler(GetParam(), &clock_, Options());
  Scheduler& scheduler_ = *owned_;
};

TEST_P(SchedulerQueueBoundTest, ANewActionBeyondTheBoundIsResourceExhausted) {
  scheduler_.AddWorker("w", testing_support::kLinuxX86);
  for (int i = 0; i < 3; ++i) Enqueue(i);
  auto refused = scheduler_.Enqueue(kClient, MakeAction(3));
  EXPECT_EQ(refused.status().code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(refused.status().message(),
            "the execution queue is full: 3 actions are waiting for a worker, as many as --max-queued-actions "
            "allows (3); retry later");
  EXPECT_EQ(scheduler_.queued_count(), 3u);
  EXPECT_EQ(scheduler_.List(kClient).size(), 3u) << "a refused action leaves no operation behind";

  // Once a worker takes one, there is room again.
  auto taken = RequestWork(scheduler_, "w");
  ASSERT_TRUE(taken->answered());
  Enqueue(3);
}

TEST_P(SchedulerQueueBoundTest, AnIdenticalActionJoinsEvenWhenTheQueueIsFull) {
  scheduler_.AddWorker("w", testing_support::kLinuxX86);
  const std::string first = Enqueue(0);
  Enqueue(1);
  Enqueue(2);
  EXPECT_EQ(Enqueue(0), first);
  EXPECT_EQ(scheduler_.queued_count(), 3u);
}

TEST_P(SchedulerQueueBoundTest, AnActionForAnIdleWorkerIsNeverRefused) {
  scheduler_.AddWorker("cpu", testing_support::kLinuxX86);
  scheduler_.AddWorker("gpu", testing_support::kLinuxX86Gpu);
  for (int i = 0; i < 3; ++i) Enqueue(i, Props({{"gpu", "1"}}));
  // The queue is full of GPU work, but a CPU slot waits: the action does not queue at all.
  auto idle = RequestWork(scheduler_, "cpu");
  ASSERT_FALSE(idle->answered());
  const std::string name = Enqueue(10, Props({{"ISA", "x86-64"}}));
  EXPECT_EQ(idle->operation(), name);
  EXPECT_EQ(scheduler_.Enqueue(kClient, MakeAction(11, Props({{"ISA", "x86-64"}}))).status().code(),
            StatusCode::kResourceExhausted);
}

TEST_P(SchedulerQueueBoundTest, ActionsOfALostWorkerAreReQueuedBeyondTheBound) {
  scheduler_.AddWorker("a", testing_support::kLinuxX86);
  scheduler_.AddWorker("b", testing_support::kLinuxX86);
  const std::string running = Enqueue(0);
  ASSERT_EQ(RequestWork(scheduler_, "a")->operation(), running);
  for (int i = 1; i <= 3; ++i) Enqueue(i);
  scheduler_.RemoveWorker("a");
  EXPECT_EQ(scheduler_.queued_count(), 4u) << "an accepted operation is never dropped";
  auto snapshot = scheduler_.Get(kClient, running);
  ASSERT_TRUE(snapshot.ok());
  EXPECT_FALSE(snapshot->done);
  EXPECT_EQ(snapshot->stage, ExecutionStage::kQueued);
}

}  // namespace

INSTANTIATE_TEST_SUITE_P(Implementations, SchedulerQueueBoundTest, ::testing::ValuesIn(testing_support::AllSchedulerKinds()),
                         testing_support::SchedulerKindName);

}  // namespace kiln
