// Several client threads enqueue (with duplicates that merge), watch and cancel while worker
// threads run what they are handed. Every operation must end exactly once.
#include <gtest/gtest.h>

#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "scheduler/scheduler.h"
#include "scheduler/scheduler_test_support.h"

namespace kiln {
namespace {

using testing_support::kClient;
using testing_support::ExitedWith;
using testing_support::MakeAction;

constexpr int kClients = 4;
constexpr int kActionsPerClient = 300;
constexpr int kWorkers = 3;

// What the test observes, shared by all threads.
struct Observations {
  std::mutex mutex;
  std::condition_variable changed;
  std::set<std::string> names;
  std::map<std::string, int> runs;  // Assignments per operation.
  int watches = 0;
  int done_snapshots = 0;
  int out_of_order = 0;  // Snapshots after done, or a stage going backwards.
};

// Asks for one assignment and waits for the answer; nullopt once the scheduler shuts down.
std::optional<WorkAssignment> NextAssignment(Scheduler& scheduler, const std::string& worker_id) {
  std::mutex mutex;
  std::condition_variable answered;
  std::optional<std::optional<WorkAssignment>> answer;
  scheduler.RequestWork(worker_id, [&](std::optional<WorkAssignment> assignment) {
    std::lock_guard lock(mutex);
    answer = std::move(assignment);
    answered.notify_one();  // Under the lock: the waiter cannot destroy `answered` before.
  });
  std::unique_lock lock(mutex);
  answered.wait(lock, [&] { return answer.has_value(); });
  return std::move(*answer);
}

void RunWorker(Scheduler& scheduler, const std::string& worker_id, Observations& seen) {
  while (std::optional<WorkAssignment> assignment = NextAssignment(scheduler, worker_id)) {
    {
      std::lock_guard lock(seen.mutex);
      ++seen.runs[assignment->operation_name];
    }
    scheduler.ReportExecuting(assignment->operation_name, worker_id, assignment->attempt);
    scheduler.ReportCompleted(assignment->operation_name, worker_id, assignment->attempt, ExitedWith(0));
  }
}

Scheduler::Listener CheckingListener(Observations& seen) {
  auto last_stage = std::make_shared<std::optional<ExecutionStage>>();
  auto done = std::make_shared<bool>(false);
  return [&seen, last_stage, done](const OperationSnapshot& snapshot) {
    std::lock_guard lock(seen.mutex);
    if (*done || (last_stage->has_value() && snapshot.stage < **last_stage)) ++seen.out_of_order;
    *last_stage = snapshot.stage;
    if (snapshot.done) {
      *done = true;
      ++seen.done_snapshots;
      seen.changed.notify_all();
    }
  };
}

void RunClient(Scheduler& scheduler, int client, Observations& seen) {
  for (int i = 0; i < kActionsPerClient; ++i) {
    // Every fourth action is shared by all clients, so that some requests merge.
    const int action = i % 4 == 0 ? i : 1'000 * (client + 1) + i;
    auto name = scheduler.Enqueue(kClient, MakeAction(action, {}, i % 3));
    ASSERT_TRUE(name.ok()) << name.status().ToString();
    {
      std::lock_guard lock(seen.mutex);
      seen.names.insert(*name);
      ++seen.watches;
    }
    ASSERT_TRUE(scheduler.Watch(kClient, *name, CheckingListener(seen)).ok());
    auto dropped = scheduler.Watch(kClient, *name, [](const OperationSnapshot&) {});
    ASSERT_TRUE(dropped.ok());
    scheduler.Unwatch(*dropped);
    if (i % 10 == 3) ASSERT_TRUE(scheduler.Cancel(kClient, *name).ok());
  }
}

class SchedulerStressTest : public ::testing::TestWithParam<testing_support::SchedulerKind> {};

TEST_P(SchedulerStressTest, EveryOperationEndsExactlyOnce) {
  FakeClock clock;
  auto owned = testing_support::MakeScheduler(GetParam(), &clock, SchedulerOptions{});
  Scheduler& scheduler = *owned;
  Observations seen;
  std::vector<std::thread> workers;
  for (int w = 0; w < kWorkers; ++w) {
    const std::string id = "worker-" + std::to_string(w);
    scheduler.AddWorker(id, HostDefaultPlatform());
    workers.emplace_back(RunWorker, std::ref(scheduler), id, std::ref(seen));
  }
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) clients.emplace_back(RunClient, std::ref(scheduler), c, std::ref(seen));
  for (auto& client : clients) client.join();
  {
    std::unique_lock lock(seen.mutex);
    const bool all_done = seen.changed.wait_for(lock, std::chrono::seconds(10),
                                                [&] { return seen.done_snapshots == seen.watches; });
    EXPECT_TRUE(all_done) << seen.done_snapshots << " of " << seen.watches << " watches saw the end";
  }
  scheduler.Shutdown();
  for (auto& worker : workers) worker.join();

  std::lock_guard lock(seen.mutex);
  EXPECT_EQ(seen.watches, kClients * kActionsPerClient);
  EXPECT_EQ(seen.out_of_order, 0);
  EXPECT_LT(seen.names.size(), static_cast<size_t>(seen.watches));  // Some requests merged.
  for (const std::string& name : seen.names) {
    auto snapshot = scheduler.Get(kClient, name);
    ASSERT_TRUE(snapshot.ok());
    ASSERT_TRUE(snapshot->done);
    const int runs = seen.runs.count(name) ? seen.runs.at(name) : 0;
    EXPECT_LE(runs, 1) << name;
    if (snapshot->response.status().code() == 0) EXPECT_EQ(runs, 1) << name;
  }
  EXPECT_EQ(scheduler.queued_count(), 0u);
}

}  // namespace

INSTANTIATE_TEST_SUITE_P(Implementations, SchedulerStressTest, ::testing::ValuesIn(testing_support::AllSchedulerKinds()),
                         testing_support::SchedulerKindName);

}  // namespace kiln
