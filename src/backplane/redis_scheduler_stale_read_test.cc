// RedisScheduler reads an operation's state from Redis and acts on it later, without a lock
// held in between; meanwhile this very frontend may have handed the operation to one of its
// workers. Such a read must not pass for a take-back: it is older than the assignment, not
// newer. (Seen in the ring farm's Bazel test: a client's Watch read the operation still
// queued, the frontend's claim assigned it, and the Watch's first dispatch then cancelled
// the worker's run -- the worker reported CANCELLED, which Bazel retried as a new Execute:
// one action ran twice.)
//
// The interleaving is made exact with a RedisClient that runs a hook right after one chosen
// script's reply came back, before the scheduler sees it. Changes newer than the assignment
// still stop the worker's run (redis_scheduler_farm_test.cc: a cancel made through another
// frontend; the scheduler contract tests: a worker removed, a report deadline missed).
#include <gtest/gtest.h>

#include <functional>
#include <mutex>

#include "backplane/redis_event_subscriber.h"
#include "backplane/redis_scheduler.h"
#include "backplane/scheduler_scripts.h"
#include "scheduler/scheduler_test_support.h"
#include "testing/eventually.h"
#include "testing/redis_backplane_for_tests.h"

namespace kiln {
namespace {

using testing_support::ExitedWith;
using testing_support::kClient;
using testing_support::kLinuxX86;
using testing_support::MakeAction;
using testing_support::RedisBackplaneForTests;
using testing_support::RequestWork;
using testing_support::SnapshotRecorder;
using testing_support::WorkAnswer;

// Passes every call on; once armed, runs `hook` after the next call of `script` returned.
class HookedRedisClient final : public redis::RedisClient {
 public:
  explicit HookedRedisClient(redis::RedisClient* base) : base_(base) {}

  void RunAfterNext(const redis::RedisScript& script, std::function<void()> hook) {
    std::lock_guard lock(mutex_);
    sha1_ = script.sha1();
    hook_ = std::move(hook);
  }

  StatusOr<redis::Reply> Run(std::string_view routing_key, const std::vector<std::string>& argv) override {
    return base_->Run(routing_key, argv);
  }
  StatusOr<std::vector<redis::Reply>> RunPipeline(std::string_view routing_key,
                                                  const std::vector<std::vector<std::string>>& commands) override {
    return base_->RunPipeline(routing_key, commands);
  }
  StatusOr<redis::Reply> Eval(const redis::RedisScript& script, const std::vector<std::string>& keys,
                              const std::vector<std::string>& args) override {
    auto reply = base_->Eval(script, keys, args);
    std::function<void()> hook;
    {
      std::lock_guard lock(mutex_);
      if (hook_ && script.sha1() == sha1_) hook = std::exchange(hook_, nullptr);
    }
    if (hook) hook();
    return reply;
  }
  StatusOr<redis::Reply> RunBlocking(std::string_view routing_key, const std::vector<std::string>& argv,
                                     Duration block_for) override {
    return base_->RunBlocking(routing_key, argv, block_for);
  }
  bool is_cluster() const override { return base_->is_cluster(); }

 private:
  redis::RedisClient* const base_;
  std::mutex mutex_;
  std::string sha1_;
  std::function<void()> hook_;
};

class RedisSchedulerStaleReadTest : public ::testing::Test {
 protected:
  RedisSchedulerStaleReadTest() : client_(&RedisBackplaneForTests::Get().client()) {
    backplane_ = RedisBackplaneForTests::Immediate();
    backplane_.key_namespace = "stale-" + std::to_string(::getpid()) + "-" +
                               ::testing::UnitTest::GetInstance()->current_test_info()->name();
    auto scheduler = RedisScheduler::Start(&client_, SubscribeToRedis(RedisBackplaneForTests::Get().address(), {}),
                                           &clock_, SchedulerOptions{}, backplane_);
    EXPECT_TRUE(scheduler.ok()) << scheduler.status().ToString();
    if (scheduler.ok()) scheduler_ = std::move(scheduler).value();
  }

  FakeClock clock_;
  RedisSchedulerOptions backplane_;
  HookedRedisClient client_;
  std::unique_ptr<RedisScheduler> scheduler_;
};

TEST_F(RedisSchedulerStaleReadTest, AWatchThatReadTheOperationQueuedDoesNotTakeBackItsNewAssignment) {
  ASSERT_TRUE(scheduler_);
  scheduler_->AddWorker("w", kLinuxX86);
  const std::string name = scheduler_->Enqueue(kClient, MakeAction(1)).value();
  // The client's Watch reads the operation queued; before it acts on that read, the worker's
  // request claims the operation here.
  std::unique_ptr<WorkAnswer> work;
  client_.RunAfterNext(backplane_scripts::GetVisible(), [&] { work = RequestWork(*scheduler_, "w"); });
  SnapshotRecorder recorder;
  ASSERT_TRUE(scheduler_->Watch(kClient, name, recorder.Listener()).ok());
  ASSERT_TRUE(work);
  ASSERT_EQ(work->operation(), name);
  EXPECT_FALSE(work->assignment()->cancelled->load()) << "a read older than the assignment cancelled it";

  // The assignment is still this frontend's: its lease is renewed past the term...
  clock_.Advance(std::chrono::seconds(20));
  scheduler_->Tick();
  clock_.Advance(std::chrono::seconds(20));
  scheduler_->Tick();
  scheduler_->AddWorker("v", kLinuxX86);
  auto other = RequestWork(*scheduler_, "v");
  EXPECT_FALSE(other->answered()) << "the action was re-queued while its worker ran it";
  // ...and the worker's result completes the operation.
  scheduler_->ReportExecuting(name, "w", 1, {});
  scheduler_->ReportCompleted(name, "w", 1, ExitedWith(0));
  ASSERT_TRUE(Eventually([&] { return !recorder.seen().empty() && recorder.seen().back().done; }));
  EXPECT_EQ(recorder.seen().back().response.status().code(), 0);
  EXPECT_FALSE(work->assignment()->cancelled->load());
}

}  // namespace
}  // namespace kiln
