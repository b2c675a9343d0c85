#include "scheduler/pending_work_requests.h"

#include <gtest/gtest.h>

#include "scheduler/scheduler_test_support.h"

namespace kiln {
namespace {

using testing_support::Props;

const Platform kLinux = Props({{"OSFamily", "linux"}});
const Platform kLinuxGpu = Props({{"OSFamily", "linux"}, {"gpu", "1"}});

Scheduler::WorkCallback Ignore() {
  return [](std::optional<WorkAssignment>) {};
}

TEST(SchedulerPendingWorkRequestsTest, LongestWaitingMatchingRequestFirst) {
  PendingWorkRequests requests;
  requests.Add(kLinuxGpu, "gpu-worker", Ignore());
  requests.Add(kLinux, "plain-worker", Ignore());
  requests.Add(kLinuxGpu, "gpu-worker-2", Ignore());
  EXPECT_EQ(requests.TakeFor(kLinux)->worker_id, "gpu-worker");
  EXPECT_EQ(requests.TakeFor(Props({{"gpu", "1"}}))->worker_id, "gpu-worker-2");
  EXPECT_FALSE(requests.TakeFor(Props({{"gpu", "1"}})).has_value());
  EXPECT_EQ(requests.TakeFor(Platform())->worker_id, "plain-worker");
  EXPECT_EQ(requests.size(), 0u);
}

TEST(SchedulerPendingWorkRequestsTest, TakeWorkerTakesOnlyThatWorkersRequests) {
  PendingWorkRequests requests;
  requests.Add(kLinux, "a", Ignore());
  requests.Add(kLinux, "b", Ignore());
  requests.Add(kLinux, "a", Ignore());
  EXPECT_EQ(requests.TakeWorker(kLinux, "a").size(), 2u);
  EXPECT_EQ(requests.TakeWorker(kLinuxGpu, "b").size(), 0u);  // Registered under another platform.
  EXPECT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests.TakeAll().size(), 1u);
  EXPECT_EQ(requests.size(), 0u);
}

}  // namespace
}  // namespace kiln
