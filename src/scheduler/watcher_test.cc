#include "scheduler/watcher.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace kiln {
namespace {

std::shared_ptr<const OperationSnapshot> Snapshot(ExecutionStage stage) {
  auto snapshot = std::make_shared<OperationSnapshot>();
  snapshot->stage = stage;
  snapshot->done = stage == ExecutionStage::kCompleted;
  return snapshot;
}

TEST(SchedulerWatcherTest, DeliversInPostOrderAndNothingAfterDone) {
  std::vector<ExecutionStage> seen;
  Watcher watcher([&](const OperationSnapshot& s) { seen.push_back(s.stage); });
  watcher.Post(Snapshot(ExecutionStage::kQueued));
  watcher.Post(Snapshot(ExecutionStage::kExecuting));
  EXPECT_FALSE(watcher.Deliver());
  watcher.Post(Snapshot(ExecutionStage::kCompleted));
  watcher.Post(Snapshot(ExecutionStage::kExecuting));  // A bug upstream must not reach the client.
  EXPECT_TRUE(watcher.Deliver());
  EXPECT_FALSE(watcher.Deliver());
  EXPECT_EQ(seen, (std::vector{ExecutionStage::kQueued, ExecutionStage::kExecuting, ExecutionStage::kCompleted}));
}

TEST(SchedulerWatcherTest, ReentrantDeliveryIsLeftToTheOuterCall) {
  std::vector<ExecutionStage> seen;
  Watcher* self = nullptr;
  Watcher watcher([&](const OperationSnapshot& s) {
    seen.push_back(s.stage);
    if (s.stage == ExecutionStage::kQueued) {
      self->Post(Snapshot(ExecutionStage::kCompleted));
      EXPECT_FALSE(self->Deliver());  // Already delivering on this thread: returns at once.
      EXPECT_EQ(seen.size(), 1u);
    }
  });
  self = &watcher;
  watcher.Post(Snapshot(ExecutionStage::kQueued));
  EXPECT_TRUE(watcher.Deliver());
  EXPECT_EQ(seen, (std::vector{ExecutionStage::kQueued, ExecutionStage::kCompleted}));
}

TEST(SchedulerWatcherTest, StopFromInsideTheListenerEndsDelivery) {
  int calls = 0;
  Watcher* self = nullptr;
  Watcher watcher([&](const OperationSnapshot&) {
    ++calls;
    self->Stop();
  });
  self = &watcher;
  watcher.Post(Snapshot(ExecutionStage::kQueued));
  watcher.Post(Snapshot(ExecutionStage::kExecuting));
  EXPECT_FALSE(watcher.Deliver());
  EXPECT_EQ(calls, 1);
}

TEST(SchedulerWatcherTest, StopWaitsForACallRunningOnAnotherThread) {
  std::atomic<bool> inside{false};
  std::atomic<bool> release{false};
  std::atomic<bool> finished{false};
  Watcher watcher([&](const OperationSnapshot&) {
    inside = true;
    while (!release) std::this_thread::yield();
    finished = true;
  });
  watcher.Post(Snapshot(ExecutionStage::kQueued));
  std::thread deliverer([&] { watcher.Deliver(); });
  while (!inside) std::this_thread::yield();
  std::thread stopper([&] {
    watcher.Stop();
    EXPECT_TRUE(finished);  // Stop returned only after the listener did.
  });
  release = true;
  stopper.join();
  deliverer.join();
  watcher.Post(Snapshot(ExecutionStage::kCompleted));
  EXPECT_FALSE(watcher.Deliver());
}

}  // namespace
}  // namespace kiln
