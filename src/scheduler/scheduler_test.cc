// Queueing order, platform routing, waiting work requests and merging.
#include "scheduler/scheduler.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <tuple>

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

class SchedulerTest : public testing_support::SchedulerFixture {};

TEST_P(SchedulerTest, EnqueueReturnsAQueuedOperationWithAnUnguessableName) {
  scheduler_.AddWorker("w", kLinux);
  const std::string a = Enqueue(MakeAction(1));
  const std::string b = Enqueue(MakeAction(2));
  EXPECT_NE(a, b);
  EXPECT_EQ(a.rfind("operations/", 0), 0u);
  EXPECT_EQ(a.size(), std::string("operations/").size() + 32);
  const OperationSnapshot snapshot = Get(a);
  EXPECT_EQ(snapshot.name, a);
  EXPECT_EQ(snapshot.action_digest, ActionDigest(1));
  EXPECT_EQ(snapshot.stage, ExecutionStage::kQueued);
  EXPECT_FALSE(snapshot.done);
  EXPECT_GT(snapshot.partial_metadata.queued_timestamp().seconds(), 1'600'000'000);
  EXPECT_EQ(scheduler_.queued_count(), 2u);
}

TEST_P(SchedulerTest, FifoWithinAPriority) {
  scheduler_.AddWorker("w", kLinux);
  std::vector<std::string> names;
  for (int i = 0; i < 5; ++i) names.push_back(Enqueue(MakeAction(i)));
  for (int i = 0; i < 5; ++i) {
    auto answer = RequestWork(scheduler_, "w");
    ASSERT_TRUE(answer->answered());
    EXPECT_EQ(answer->operation(), names[i]);
  }
  EXPECT_EQ(scheduler_.queued_count(), 0u);
}

TEST_P(SchedulerTest, LowerPriorityValueRunsSooner) {
  scheduler_.AddWorker("w", kLinux);
  const std::string normal = Enqueue(MakeAction(1, {}, 0));
  const std::string low = Enqueue(MakeAction(2, {}, 10));
  const std::string urgent = Enqueue(MakeAction(3, {}, -5));
  EXPECT_EQ(RequestWork(scheduler_, "w")->operation(), urgent);
  EXPECT_EQ(RequestWork(scheduler_, "w")->operation(), normal);
  EXPECT_EQ(RequestWork(scheduler_, "w")->operation(), low);
}

TEST_P(SchedulerTest, ThousandsQueuedComeOutInPriorityThenArrivalOrderPerPlatform) {
  scheduler_.AddWorker("cpu", kLinux);
  scheduler_.AddWorker("gpu", kLinuxGpu);
  struct Expected {
    int32_t priority;
    int arrival;
    std::string name;
  };
  std::vector<Expected> cpu_only, gpu_reachable;
  for (int i = 0; i < 3000; ++i) {
    const int32_t priority = (i * 7919) % 5 - 2;
    const bool needs_gpu = i % 3 == 0;
    const std::string name =
        Enqueue(MakeAction(i, needs_gpu ? Props({{"gpu", "1"}}) : Props({{"ISA", "x86-64"}}), priority));
    (needs_gpu ? gpu_reachable : cpu_only).push_back({priority, i, name});
  }
  EXPECT_EQ(scheduler_.queued_count(), 3000u);
  auto by_rank = [](const Expected& a, const Expected& b) {
    return std::tie(a.priority, a.arrival) < std::tie(b.priority, b.arrival);
  };
  std::stable_sort(cpu_only.begin(), cpu_only.end(), by_rank);
  for (const Expected& expected : cpu_only) {
    ASSERT_EQ(RequestWork(scheduler_, "cpu")->operation(), expected.name) << expected.arrival;
  }
  EXPECT_FALSE(RequestWork(scheduler_, "cpu")->answered());  // Only gpu work is left.
  std::stable_sort(gpu_reachable.begin(), gpu_reachable.end(), by_rank);
  for (const Expected& expected : gpu_reachable) {
    ASSERT_EQ(RequestWork(scheduler_, "gpu")->operation(), expected.name) << expected.arrival;
  }
  EXPECT_EQ(scheduler_.queued_count(), 0u);
}

TEST_P(SchedulerTest, EachWorkerGetsOnlyWorkForItsPlatform) {
  scheduler_.AddWorker("cpu", kLinux);
  scheduler_.AddWorker("gpu", Props({{"OSFamily", "linux"}, {"gpu", "1"}}));
  const std::string gpu_work = Enqueue(MakeAction(1, Props({{"gpu", "1"}})));
  const std::string cpu_work = Enqueue(MakeAction(2, Props({{"ISA", "x86-64"}})));
  auto cpu = RequestWork(scheduler_, "cpu");
  auto gpu = RequestWork(scheduler_, "gpu");
  EXPECT_EQ(cpu->operation(), cpu_work);
  EXPECT_EQ(gpu->operation(), gpu_work);
  // Nothing else fits either of them: both requests wait.
  auto cpu_again = RequestWork(scheduler_, "cpu");
  EXPECT_FALSE(cpu_again->answered());
  const std::string more_gpu = Enqueue(MakeAction(3, Props({{"gpu", "1"}})));
  EXPECT_FALSE(cpu_again->answered());
  EXPECT_EQ(RequestWork(scheduler_, "gpu")->operation(), more_gpu);
}

TEST_P(SchedulerTest, NoMatchingWorkerIsFailedPreconditionAtOnce) {
  auto none = scheduler_.Enqueue(kClient, MakeAction(1));
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.status().code(), StatusCode::kFailedPrecondition);

  scheduler_.AddWorker("w", kLinux);
  auto windows = scheduler_.Enqueue(kClient, MakeAction(2, Props({{"OSFamily", "windows"}})));
  ASSERT_FALSE(windows.ok());
  EXPECT_EQ(windows.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(windows.status().message().find("no worker offers platform OSFamily=windows"), std::string::npos)
      << windows.status().message();
  EXPECT_EQ(scheduler_.queued_count(), 0u);
  EXPECT_TRUE(scheduler_.List(kClient).empty());

  scheduler_.RemoveWorker("w");
  EXPECT_FALSE(scheduler_.Enqueue(kClient, MakeAction(3)).ok());
}

TEST_P(SchedulerTest, RequestWaitsWithoutPollingUntilMatchingWorkArrives) {
  scheduler_.AddWorker("w", kLinux);
  scheduler_.AddWorker("gpu", kLinuxGpu);
  auto answer = RequestWork(scheduler_, "w");
  EXPECT_FALSE(answer->answered());
  Enqueue(MakeAction(1, Props({{"gpu", "1"}})));  // Not for "w".
  EXPECT_FALSE(answer->answered());
  const std::string name = Enqueue(MakeAction(2));
  ASSERT_TRUE(answer->answered());  // Handed over inside Enqueue.
  EXPECT_EQ(answer->operation(), name);
  EXPECT_EQ(answer->assignment()->attempt, 1);
  EXPECT_EQ(answer->assignment()->action->action_digest, ActionDigest(2));
  EXPECT_FALSE(answer->assignment()->cancelled->load());
  EXPECT_EQ(answer->calls(), 1);
  EXPECT_EQ(scheduler_.queued_count(), 1u);  // The gpu action still waits.
}

TEST_P(SchedulerTest, LongestWaitingWorkerGetsTheWorkFirst) {
  scheduler_.AddWorker("a", kLinux);
  scheduler_.AddWorker("b", kLinux);
  auto b = RequestWork(scheduler_, "b");
  auto a = RequestWork(scheduler_, "a");
  Enqueue(MakeAction(1));
  EXPECT_TRUE(b->answered());
  EXPECT_FALSE(a->answered());
}

TEST_P(SchedulerTest, UnregisteredWorkerIsAnsweredWithNothing) {
  auto answer = RequestWork(scheduler_, "stranger");
  ASSERT_TRUE(answer->answered());
  EXPECT_FALSE(answer->assignment().has_value());
}

TEST_P(SchedulerTest, IdenticalInFlightActionsMerge) {
  scheduler_.AddWorker("w", kLinux);
  const std::string first = Enqueue(MakeAction(1));
  EXPECT_EQ(Enqueue(MakeAction(1)), first);  // While queued.
  auto answer = RequestWork(scheduler_, "w");
  EXPECT_EQ(answer->operation(), first);
  EXPECT_EQ(Enqueue(MakeAction(1)), first);  // While running.
  EXPECT_FALSE(RequestWork(scheduler_, "w")->answered());  // It runs once.
  EXPECT_EQ(scheduler_.List(kClient).size(), 1u);

  scheduler_.ReportCompleted(first, "w", 1, ExitedWith(0));
  const std::string after = Enqueue(MakeAction(1));  // Not after it completed.
  EXPECT_NE(after, first);
}

TEST_P(SchedulerTest, MergingIsPerInstanceAndDigestFunction) {
  scheduler_.AddWorker("w", kLinux);
  QueuedAction a = MakeAction(1);
  a.instance_name = "main";
  QueuedAction b = MakeAction(1);
  b.instance_name = "other";
  QueuedAction c = MakeAction(1);
  c.instance_name = "main";
  c.action_digest = ComputeDigest(DigestFunction::kSha1, "action 1");
  const std::string name_a = Enqueue(a);
  EXPECT_NE(Enqueue(b), name_a);
  EXPECT_NE(Enqueue(c), name_a);
  EXPECT_EQ(scheduler_.queued_count(), 3u);
}

TEST_P(SchedulerTest, DoNotCacheActionsNeverMerge) {
  scheduler_.AddWorker("w", kLinux);
  QueuedAction action = MakeAction(1);
  action.mergeable = false;
  const std::string first = Enqueue(action);
  EXPECT_NE(Enqueue(action), first);
  EXPECT_NE(Enqueue(MakeAction(1)), first);  // Nor does a cacheable one join it.
  EXPECT_EQ(scheduler_.queued_count(), 3u);
}

TEST_P(SchedulerTest, MergedMoreUrgentRequestRaisesTheQueuedPriority) {
  scheduler_.AddWorker("w", kLinux);
  const std::string other = Enqueue(MakeAction(1, {}, 0));
  const std::string lazy = Enqueue(MakeAction(2, {}, 5));
  EXPECT_EQ(Enqueue(MakeAction(2, {}, -1)), lazy);
  EXPECT_EQ(RequestWork(scheduler_, "w")->operation(), lazy);
  EXPECT_EQ(RequestWork(scheduler_, "w")->operation(), other);
}

TEST_P(SchedulerTest, CancelWorkRequestsAnswersOnlyThatWorker) {
  scheduler_.AddWorker("a", kLinux);
  scheduler_.AddWorker("b", kLinux);
  auto a1 = RequestWork(scheduler_, "a");
  auto a2 = RequestWork(scheduler_, "a");
  auto b = RequestWork(scheduler_, "b");
  scheduler_.CancelWorkRequests("a");
  EXPECT_TRUE(a1->answered() && a2->answered());
  EXPECT_FALSE(a1->assignment().has_value());
  EXPECT_FALSE(b->answered());
  const std::string name = Enqueue(MakeAction(1));
  EXPECT_EQ(b->operation(), name);
  EXPECT_EQ(a1->calls(), 1);
}

TEST_P(SchedulerTest, ReRegisteringWithANewPlatformServesWaitingRequests) {
  scheduler_.AddWorker("w", kLinux);
  scheduler_.AddWorker("gpu", kLinuxGpu);
  const std::string gpu_work = Enqueue(MakeAction(1, Props({{"gpu", "1"}})));
  scheduler_.RemoveWorker("gpu");
  auto answer = RequestWork(scheduler_, "w");
  EXPECT_FALSE(answer->answered());
  scheduler_.AddWorker("w", kLinuxGpu);
  EXPECT_EQ(answer->operation(), gpu_work);
}

TEST_P(SchedulerTest, WorkCallbackMayCallBackIntoTheScheduler) {
  scheduler_.AddWorker("w", kLinux);
  std::optional<OperationSnapshot> seen;
  scheduler_.RequestWork("w", [&](std::optional<WorkAssignment> assignment) {
    ASSERT_TRUE(assignment.has_value());
    scheduler_.ReportExecuting(assignment->operation_name, "w", 1);
    auto snapshot = scheduler_.Get(kClient, assignment->operation_name);
    ASSERT_TRUE(snapshot.ok());
    seen = *snapshot;
  });
  Enqueue(MakeAction(1));
  ASSERT_TRUE(seen.has_value());
  EXPECT_EQ(seen->stage, ExecutionStage::kExecuting);
}

}  // namespace

// What metrics show: the queue by required platform and priority, and the workers' slots
// (farm-wide for the Redis scheduler, from one script call).
TEST_P(SchedulerTest, LoadCountsTheQueueByPlatformAndPriorityAndTheBusySlots) {
  scheduler_.AddWorker("w", kLinuxGpu, 2);
  Enqueue(MakeAction(1, {}, 0));
  Enqueue(MakeAction(2, {}, 0));
  Enqueue(MakeAction(3, {}, 5));
  Enqueue(MakeAction(4, Props({{"gpu", "1"}}), 0));
  auto running = RequestWork(scheduler_, "w");  // The first of priority 0 goes to "w".
  ASSERT_TRUE(running->answered());
  const SchedulerLoad load = scheduler_.Load();
  std::map<std::pair<std::string, int32_t>, size_t> queued;
  for (const auto& group : load.queue) queued[{group.platform, group.priority}] += group.queued;
  const std::string gpu = Props({{"gpu", "1"}}).ToString();
  const std::string none = Platform().ToString();
  EXPECT_EQ(queued[std::make_pair(none, 0)] + queued[std::make_pair(gpu, 0)], 2u);
  EXPECT_EQ(queued[std::make_pair(gpu, 0)], 1u);
  EXPECT_EQ(queued[std::make_pair(none, 5)], 1u);
  EXPECT_EQ(load.workers, 1);
  EXPECT_EQ(load.busy_slots, 1);
}

INSTANTIATE_TEST_SUITE_P(Implementations, SchedulerTest, ::testing::ValuesIn(testing_support::AllSchedulerKinds()),
                         testing_support::SchedulerKindName);

}  // namespace kiln
