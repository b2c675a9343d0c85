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

}  // namespace
}  // namespace kiln
