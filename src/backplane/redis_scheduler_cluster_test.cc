// RedisScheduler on a Redis Cluster (3 masters, 3 replicas, on loopback): two frontends
// work as on a single Redis, and the scheduler survives a failover of the master that holds
// its hash slot -- calls fail with UNAVAILABLE meanwhile, never crash, and work that was
// queued before it goes on afterwards (the replica had it: these tests wait for replication).
#include <gtest/gtest.h>

#include "backplane/redis_event_subscriber.h"
#include "backplane/redis_scheduler.h"
#include "redis/redis_key_slot.h"
#include "scheduler/scheduler_test_support.h"
#include "testing/eventually.h"
#include "testing/redis_backplane_for_tests.h"
#include "testing/redis_cluster.h"

namespace kiln {
namespace {

using testing_support::ExitedWith;
using testing_support::kClient;
using testing_support::kLinuxX86;
using testing_support::MakeAction;
using testing_support::RedisBackplaneForTests;
using testing_support::RequestWork;
using testing_support::SnapshotRecorder;

class RedisSchedulerClusterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto cluster = testing::RedisCluster::Start();
    ASSERT_TRUE(cluster.ok()) << cluster.status().ToString();
    cluster_ = std::move(cluster).value();
    options_.retry_window = std::chrono::seconds(10);  // Longer than a failover.
    auto client = redis::ConnectRedis(cluster_->address(), options_);
    ASSERT_TRUE(client.ok()) << client.status().ToString();
    client_ = std::move(client).value();
    ASSERT_TRUE(client_->is_cluster());
    a_ = NewFrontend();
    b_ = NewFrontend();
  }
  std::unique_ptr<RedisScheduler> NewFrontend() {
    auto scheduler = RedisScheduler::Start(client_.get(), SubscribeToRedis(cluster_->address(), options_), &clock_,
                                           SchedulerOptions{}, RedisBackplaneForTests::Immediate());
    EXPECT_TRUE(scheduler.ok()) << scheduler.status().ToString();
    return scheduler.ok() ? std::move(scheduler).value() : nullptr;
  }
  // Waits until the replicas have every write so far (WAIT on the scheduler's master).
  void WaitForReplicas() {
    auto waited = client_->Run("kiln:{kiln}:", {"WAIT", "1", "5000"});
    ASSERT_TRUE(waited.ok()) << waited.status().ToString();
    ASSERT_EQ(waited->integer, 1) << "the replica did not catch up";
  }

  std::unique_ptr<testing::RedisCluster> cluster_;
  redis::RedisClientOptions options_;
  std::unique_ptr<redis::RedisClient> client_;
  FakeClock clock_;
  std::unique_ptr<RedisScheduler> a_, b_;
};

TEST_F(RedisSchedulerClusterTest, FrontendsShareWorkAndSurviveAFailoverOfTheSchedulersMaster) {
  ASSERT_TRUE(a_ && b_);
  b_->AddWorker("w", kLinuxX86);
  SnapshotRecorder recorder;
  const std::string first = a_->Enqueue(kClient, MakeAction(1)).value();
  ASSERT_TRUE(b_->Watch(kClient, first, recorder.Listener()).ok());
  auto work = RequestWork(*b_, "w");
  ASSERT_EQ(work->operation(), first);
  b_->ReportCompleted(first, "w", 1, ExitedWith(0));
  ASSERT_TRUE(Eventually([&] { return !recorder.seen().empty() && recorder.seen().back().done; }));

  // Queued before the failover, and replicated.
  const std::string queued = a_->Enqueue(kClient, MakeAction(2)).value();
  WaitForReplicas();
  const int master = cluster_->MasterOfSlot(redis::KeySlot("kiln:{kiln}:anchor"));
  ASSERT_GE(master, 0);
  auto promoted = cluster_->KillMaster(master);
  ASSERT_TRUE(promoted.ok()) << promoted.status().ToString();

  // The queued action is still there, and a worker asking through the other frontend gets it.
  auto next = RequestWork(*b_, "w");
  ASSERT_TRUE(Eventually([&] { return next->answered(); }, std::chrono::seconds(15)));
  EXPECT_EQ(next->operation(), queued);
  b_->ReportCompleted(queued, "w", 1, ExitedWith(0));
  auto done = a_->Get(kClient, queued);
  ASSERT_TRUE(done.ok()) << done.status().ToString();
  EXPECT_TRUE(done->done);
  // New work is accepted again.
  EXPECT_TRUE(a_->Enqueue(kClient, MakeAction(3)).ok());
}

}  // namespace
}  // namespace kiln
