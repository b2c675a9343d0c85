#include "scheduler/action_queue.h"

#include <gtest/gtest.h>

#include "scheduler/scheduler_test_support.h"

namespace kiln {
namespace {

using testing_support::Props;

const Platform kLinux = Props({{"OSFamily", "linux"}});
const Platform kWindows = Props({{"OSFamily", "windows"}});
const Platform kLinuxWorker = Props({{"OSFamily", "linux"}, {"ISA", "x86-64"}});

TEST(SchedulerActionQueueTest, LowerPriorityValueFirstThenArrival) {
  ActionQueue queue;
  queue.Push(kLinux, 5, 0, "late-low");
  queue.Push(kLinux, 0, 1, "a");
  queue.Push(kLinux, -1, 2, "urgent");
  queue.Push(kLinux, 0, 3, "b");
  EXPECT_EQ(queue.size(), 4u);
  EXPECT_EQ(queue.PopBestFor(kLinuxWorker), "urgent");
  EXPECT_EQ(queue.PopBestFor(kLinuxWorker), "a");
  EXPECT_EQ(queue.PopBestFor(kLinuxWorker), "b");
  EXPECT_EQ(queue.PopBestFor(kLinuxWorker), "late-low");
  EXPECT_EQ(queue.PopBestFor(kLinuxWorker), std::nullopt);
  EXPECT_EQ(queue.size(), 0u);
}

TEST(SchedulerActionQueueTest, OnlyPlatformsTheWorkerSatisfiesAreConsidered) {
  ActionQueue queue;
  queue.Push(kWindows, -10, 0, "windows");
  queue.Push(kLinux, 0, 1, "linux");
  queue.Push(Platform(), 3, 2, "anywhere");
  EXPECT_EQ(queue.PopBestFor(kLinuxWorker), "linux");
  EXPECT_EQ(queue.PopBestFor(kLinuxWorker), "anywhere");
  EXPECT_EQ(queue.PopBestFor(kLinuxWorker), std::nullopt);
  EXPECT_EQ(queue.size(), 1u);
  EXPECT_EQ(queue.PopBestFor(kWindows), "windows");
}

TEST(SchedulerActionQueueTest, BestHeadAcrossGroupsWins) {
  ActionQueue queue;
  queue.Push(Platform(), 0, 7, "anywhere-later");
  queue.Push(kLinux, 0, 3, "linux-earlier");
  EXPECT_EQ(queue.PopBestFor(kLinuxWorker), "linux-earlier");
  EXPECT_EQ(queue.PopBestFor(kLinuxWorker), "anywhere-later");
}

TEST(SchedulerActionQueueTest, RemoveTakesOutExactlyOneEntry) {
  ActionQueue queue;
  queue.Push(kLinux, 0, 1, "a");
  queue.Push(kLinux, 0, 2, "b");
  EXPECT_TRUE(queue.Remove(kLinux, 0, 1));
  EXPECT_FALSE(queue.Remove(kLinux, 0, 1));
  EXPECT_FALSE(queue.Remove(kWindows, 0, 2));
  EXPECT_EQ(queue.size(), 1u);
  EXPECT_EQ(queue.PopBestFor(kLinuxWorker), "b");
}

TEST(SchedulerActionQueueTest, CountsByPlatformAndPriority) {
  ActionQueue queue;
  queue.Push(kLinux, 5, 1, "a");
  queue.Push(kLinux, 0, 2, "b");
  queue.Push(kLinux, 5, 3, "c");
  queue.Push(kWindows, 5, 4, "d");
  auto counts = queue.CountByPlatformAndPriority();
  ASSERT_EQ(counts.size(), 3u);
  size_t total = 0;
  for (const auto& count : counts) {
    total += count.queued;
    if (count.platform == kLinux && count.priority == 5) EXPECT_EQ(count.queued, 2u);
    if (count.platform == kLinux && count.priority == 0) EXPECT_EQ(count.queued, 1u);
    if (count.platform == kWindows) EXPECT_EQ(count.queued, 1u);
  }
  EXPECT_EQ(total, 4u);
}

}  // namespace
}  // namespace kiln
