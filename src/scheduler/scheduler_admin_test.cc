// The operators' queries and drains (scheduler_queries.h), against both schedulers.
#include <gtest/gtest.h>

#include "scheduler/scheduler.h"
#include "scheduler/scheduler_test_support.h"

namespace kiln {
namespace {

using testing_support::ExitedWith;
using testing_support::kClient;
using testing_support::MakeAction;
using testing_support::RequestWork;

const Platform& kLinux = testing_support::kLinuxX86;

class SchedulerAdminTest : public testing_support::SchedulerFixture {
 protected:
  std::string EnqueueIn(const std::string& instance, int n) {
    QueuedAction action = MakeAction(n);
    action.instance_name = instance;
    std::string name = Enqueue(std::move(action));
    clock_.Advance(std::chrono::seconds(1));  // Distinct creation times: a defined order.
    return name;
  }
  OperationPage List(OperationFilter filter) {
    auto page = scheduler_.ListOperations(filter);
    EXPECT_TRUE(page.ok()) << page.status().ToString();
    return page.ok() ? *page : OperationPage{};
  }
  static std::vector<std::string> Names(const OperationPage& page) {
    std::vector<std::string> names;
    for (const auto& op : page.operations) names.push_back(op.name);
    return names;
  }
  WorkerInfo Worker(const std::string& id) {
    auto workers = scheduler_.ListWorkers();
    EXPECT_TRUE(workers.ok()) << workers.status().ToString();
    for (const WorkerInfo& worker : workers.ok() ? *workers : std::vector<WorkerInfo>{}) {
      if (worker.id == id) return worker;
    }
    ADD_FAILURE() << "no worker " << id;
    return {};
  }
};

TEST_P(SchedulerAdminTest, ListsOperationsNewestFirstWithTheirInstanceAndStage) {
  scheduler_.AddWorker("w", kLinux, 1);
  const std::string a = EnqueueIn("main", 1);
  const std::string b = EnqueueIn("other", 2);
  auto work = RequestWork(scheduler_, "w");  // Takes a, the oldest.
  ASSERT_EQ(work->operation(), a);
  scheduler_.ReportExecuting(a, "w", 1, {});

  OperationPage page = List({});
  EXPECT_EQ(page.total, 2u);
  ASSERT_EQ(Names(page), (std::vector<std::string>{b, a}));
  EXPECT_EQ(page.operations[0].instance_name, "other");
  EXPECT_EQ(page.operations[0].stage, ExecutionStage::kQueued);
  EXPECT_EQ(page.operations[1].stage, ExecutionStage::kExecuting);
  EXPECT_EQ(page.operations[1].partial_metadata.worker(), "w");
  EXPECT_GT(page.operations[0].created_unix_nanos, page.operations[1].created_unix_nanos);
}

TEST_P(SchedulerAdminTest, FiltersByInstanceStageAndExitCode) {
  scheduler_.AddWorker("w", kLinux, 2);
  const std::string fails = EnqueueIn("main", 1);
  const std::string passes = EnqueueIn("main", 2);
  const std::string waits = EnqueueIn("other", 3);
  auto first = RequestWork(scheduler_, "w");
  auto second = RequestWork(scheduler_, "w");
  scheduler_.ReportCompleted(fails, "w", 1, ExitedWith(3));
  scheduler_.ReportCompleted(passes, "w", 1, ExitedWith(0));
  auto hit = scheduler_.AddCompleted(kClient, testing_support::ActionDigest(9), ExitedWith(0), "cached");
  ASSERT_TRUE(hit.ok());

  OperationFilter by_instance;
  by_instance.instance_name = "main";
  EXPECT_EQ(Names(List(by_instance)), (std::vector<std::string>{passes, fails}));
  OperationFilter queued;
  queued.stage = ExecutionStage::kQueued;
  EXPECT_EQ(Names(List(queued)), (std::vector<std::string>{waits}));
  OperationFilter failed;
  failed.exit_code = 3;
  EXPECT_EQ(Names(List(failed)), (std::vector<std::string>{fails}));
  OperationFilter succeeded;
  succeeded.exit_code = 0;
  succeeded.stage = ExecutionStage::kCompleted;
  EXPECT_EQ(List(succeeded).total, 2u);  // `passes` and the cache hit.
  OperationFilter cached;
  cached.instance_name = "cached";
  ASSERT_EQ(Names(List(cached)), (std::vector<std::string>{*hit}));
}

TEST_P(SchedulerAdminTest, PagesAreBounded) {
  scheduler_.AddWorker("w", kLinux, 1);
  std::vector<std::string> names;
  for (int i = 0; i < 5; ++i) names.insert(names.begin(), EnqueueIn("", i));  // Newest first.
  OperationFilter filter;
  filter.page_size = 2;
  filter.offset = 1;
  OperationPage page = List(filter);
  EXPECT_EQ(page.total, 5u);
  EXPECT_EQ(Names(page), (std::vector<std::string>{names[1], names[2]}));
  filter.offset = 4;
  EXPECT_EQ(Names(List(filter)), (std::vector<std::string>{names[4]}));
  filter.offset = 9;
  EXPECT_TRUE(List(filter).operations.empty());
  filter.offset = 0;
  filter.page_size = 1'000'000;
  EXPECT_EQ(EffectivePageSize(filter), kMaxOperationPageSize);
}

TEST_P(SchedulerAdminTest, ListsWorkersWithSlotsAndWhatTheyRun) {
  scheduler_.AddWorker("busy", kLinux, 4);
  scheduler_.AddWorker("idle", kLinux);
  const std::string op = Enqueue(MakeAction(1));
  scheduler_.AddWorker("busy", kLinux, 4);
  auto work = RequestWork(scheduler_, "busy");
  ASSERT_EQ(work->operation(), op);
  WorkerInfo busy = Worker("busy");
  EXPECT_EQ(busy.slots, 4);
  EXPECT_EQ(busy.platform, kLinux);
  EXPECT_EQ(busy.running, (std::vector<std::string>{op}));
  EXPECT_FALSE(busy.drained);
  EXPECT_TRUE(busy.connected);
  EXPECT_EQ(Worker("idle").slots, 0);
  EXPECT_TRUE(Worker("idle").running.empty());
}

TEST_P(SchedulerAdminTest, DrainedWorkerGetsNoNewWorkButFinishesWhatItRuns) {
  scheduler_.AddWorker("a", kLinux, 2);
  scheduler_.AddWorker("b", kLinux, 1);
  const std::string running = Enqueue(MakeAction(1));
  auto first = RequestWork(scheduler_, "a");
  ASSERT_EQ(first->operation(), running);
  auto waiting = RequestWork(scheduler_, "a");  // Parked: nothing queued.
  ASSERT_TRUE(scheduler_.SetWorkerDrained("a", true).ok());
  EXPECT_TRUE(Worker("a").drained);

  const std::string next = Enqueue(MakeAction(2));
  EXPECT_FALSE(waiting->answered());  // Held, not withdrawn: the worker stays connected.
  EXPECT_EQ(Get(next).stage, ExecutionStage::kQueued);
  auto also = RequestWork(scheduler_, "a");
  EXPECT_FALSE(also->answered());
  auto b = RequestWork(scheduler_, "b");
  EXPECT_EQ(b->operation(), next);

  scheduler_.ReportCompleted(running, "a", 1, ExitedWith(0));  // Finishing is still accepted.
  EXPECT_TRUE(Get(running).done);

  const std::string later = Enqueue(MakeAction(3));
  ASSERT_TRUE(scheduler_.SetWorkerDrained("a", false).ok());
  EXPECT_EQ(waiting->operation(), later);  // The oldest held request.
  EXPECT_FALSE(Worker("a").drained);
}

TEST_P(SchedulerAdminTest, DrainSurvivesTheWorkerReconnecting) {
  scheduler_.AddWorker("a", kLinux, 1);
  ASSERT_TRUE(scheduler_.SetWorkerDrained("a", true).ok());
  auto held = RequestWork(scheduler_, "a");
  scheduler_.RemoveWorker("a");
  EXPECT_TRUE(held->answered());  // Withdrawn with the worker.
  EXPECT_FALSE(held->assignment());
  WorkerInfo gone = Worker("a");
  EXPECT_TRUE(gone.drained);
  EXPECT_FALSE(gone.connected);

  scheduler_.AddWorker("a", kLinux, 1);
  scheduler_.AddWorker("b", kLinux, 1);  // Keeps the action enqueueable.
  const std::string op = Enqueue(MakeAction(1));
  auto again = RequestWork(scheduler_, "a");
  EXPECT_FALSE(again->answered());
  EXPECT_TRUE(Worker("a").connected);
  ASSERT_TRUE(scheduler_.SetWorkerDrained("a", false).ok());
  EXPECT_EQ(again->operation(), op);
}

TEST_P(SchedulerAdminTest, DrainingAnUnknownWorkerIsNotFound) {
  EXPECT_EQ(scheduler_.SetWorkerDrained("nobody", true).code(), StatusCode::kNotFound);
  EXPECT_EQ(scheduler_.SetWorkerDrained("nobody", false).code(), StatusCode::kNotFound);
}

INSTANTIATE_TEST_SUITE_P(BothSchedulers, SchedulerAdminTest,
                         ::testing::ValuesIn(testing_support::AllSchedulerKinds()),
                         testing_support::SchedulerKindName);

}  // namespace
}  // namespace kiln
