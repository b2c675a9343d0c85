// The worker service when the scheduler hands a worker the attempt it already holds, as the
// Redis scheduler can after a failover rolled its attempt counter back: the stream keeps the
// worker's run (no Cancellation, no second Assignment), and that run's report completes the
// operation. Before, the stream cancelled the first copy and resent the same attempt, and
// the worker's "cancelled before it started" report of the first copy, carrying the very
// attempt the stream held, completed the operation as CANCELLED.
#include <gtest/gtest.h>
#include <grpcpp/grpcpp.h>

#include <functional>
#include <mutex>
#include <thread>

#include "ac/local_action_cache.h"
#include "ac/record_store.h"
#include "cas/memory_blob_store.h"
#include "scheduler/in_process_scheduler.h"
#include "server/worker_service.h"
#include "server/worker_test_support.h"

namespace kiln {
namespace {

using worker_test::HandDrivenWorker;

const Caller kClient{"client", false};

// An in-process scheduler that can answer a worker's next work request with a copy of the
// last assignment it made (same operation, same attempt, a fresh cancellation flag).
class RepeatingScheduler final : public Scheduler {
 public:
  explicit RepeatingScheduler(Clock* clock) : inner_(clock, SchedulerOptions{}) {}

  // Answers the oldest request parked by RequestWorkHeldBack with the last assignment.
  void RepeatLastAssignment() {
    WorkCallback callback;
    WorkAssignment copy;
    {
      std::lock_guard lock(mutex_);
      ASSERT_TRUE(held_back_ && last_);
      callback = std::move(held_back_);
      held_back_ = nullptr;
      copy = *last_;
    }
    copy.cancelled = std::make_shared<std::atomic<bool>>(false);
    callback(std::move(copy));
  }
  // From now on, the next work request is parked here instead of reaching the scheduler.
  void HoldBackNextRequest() {
    std::lock_guard lock(mutex_);
    hold_back_next_ = true;
  }
  bool HoldsARequest() {
    std::lock_guard lock(mutex_);
    return held_back_ != nullptr;
  }

  StatusOr<std::string> Enqueue(const Caller& caller, QueuedAction action) override {
    return inner_.Enqueue(caller, std::move(action));
  }
  StatusOr<std::string> AddCompleted(const Caller& caller, const Digest& digest, reapi::ExecuteResponse response,
                                     const std::string& instance_name) override {
    return inner_.AddCompleted(caller, digest, std::move(response), instance_name);
  }
  StatusOr<WatchId> Watch(const Caller& caller, const std::string& name, Listener listener) override {
    return inner_.Watch(caller, name, std::move(listener));
  }
  void Unwatch(WatchId id) override { inner_.Unwatch(id); }
  StatusOr<OperationSnapshot> Get(const Caller& caller, const std::string& name) const override {
    return inner_.Get(caller, name);
  }
  std::vector<OperationSnapshot> List(const Caller& caller) const override { return inner_.List(caller); }
  Status Cancel(const Caller& caller, const std::string& name) override { return inner_.Cancel(caller, name); }
  void AddWorker(const std::string& worker_id, const Platform& platform, int slots) override {
    inner_.AddWorker(worker_id, platform, slots);
  }
  void RemoveWorker(const std::string& worker_id) override { inner_.RemoveWorker(worker_id); }
  void RequestWork(const std::string& worker_id, WorkCallback callback) override {
    {
      std::lock_guard lock(mutex_);
      if (hold_back_next_) {
        hold_back_next_ = false;
        held_back_ = std::move(callback);
        return;
      }
    }
    inner_.RequestWork(worker_id, [this, callback = std::move(callback)](std::optional<WorkAssignment> assignment) {
      if (assignment) {
        std::lock_guard lock(mutex_);
        last_ = *assignment;
      }
      callback(std::move(assignment));
    });
  }
  void CancelWorkRequests(const std::string& worker_id) override { inner_.CancelWorkRequests(worker_id); }
  void ReportExecuting(const std::string& name, const std::string& worker_id, int attempt,
                       const OutputStreamNames& streams) override {
    inner_.ReportExecuting(name, worker_id, attempt, streams);
  }
  StatusOr<std::optional<WorkAssignment>> FindAssignment(const std::string& name, const std::string& worker_id,
                                                         int attempt) override {
    return inner_.FindAssignment(name, worker_id, attempt);
  }
  void ReportCompleted(const std::string& name, const std::string& worker_id, int attempt,
                       reapi::ExecuteResponse response) override {
    inner_.ReportCompleted(name, worker_id, attempt, std::move(response));
  }
  void Tick() override { inner_.Tick(); }
  void Shutdown() override {
    WorkCallback held_back;
    {
      std::lock_guard lock(mutex_);
      held_back = std::move(held_back_);
      held_back_ = nullptr;
    }
    if (held_back) held_back(std::nullopt);
    inner_.Shutdown();
  }
  size_t queued_count() const override { return inner_.queued_count(); }
  StatusOr<OperationPage> ListOperations(const OperationFilter& filter) const override {
    return inner_.ListOperations(filter);
  }
  StatusOr<std::vector<WorkerInfo>> ListWorkers() const override { return inner_.ListWorkers(); }
  Status SetWorkerDrained(const std::string& worker_id, bool drained) override {
    return inner_.SetWorkerDrained(worker_id, drained);
  }

 private:
  InProcessScheduler inner_;
  std::mutex mutex_;
  bool hold_back_next_ = false;
  WorkCallback held_back_;
  std::optional<WorkAssignment> last_;
};

class WorkerRepeatedAssignmentTest : public ::testing::Test {
 protected:
  void SetUp() override {
    scheduler_ = std::make_unique<RepeatingScheduler>(&clock_);
    service_ = std::make_unique<WorkerService>(scheduler_.get(), &cache_, nullptr, &no_auth_);
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
    ASSERT_NE(port, 0);
    channel_ = grpc::CreateChannel("127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials());
  }
  void TearDown() override {
    scheduler_->Shutdown();
    server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  }
  std::string Enqueue(int n) {
    QueuedAction action;
    action.action_digest = ComputeDigest(DigestFunction::kSha256, "action " + std::to_string(n));
    action.action.mutable_timeout()->set_seconds(120);
    return scheduler_->Enqueue(kClient, std::move(action)).value();
  }
  bool WaitUntil(const std::function<bool()>& condition) {
    for (int i = 0; i < 2000; ++i) {
      if (condition()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return false;
  }

  FakeClock clock_;
  MemoryBlobStore cas_;
  MemoryRecordStore records_;
  LocalActionCache cache_{&records_, &cas_, 1 << 20};
  std::unique_ptr<RepeatingScheduler> scheduler_;
  CallAuthorizer no_auth_{nullptr, nullptr};
  std::unique_ptr<WorkerService> service_;
  std::unique_ptr<grpc::Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
};

TEST_F(WorkerRepeatedAssignmentTest, TheAttemptTheWorkerHoldsIsNotSentAgainAndItsReportCounts) {
  HandDrivenWorker worker(channel_);
  ASSERT_TRUE(worker.Hello("w"));
  ASSERT_TRUE(worker.RequestWork());
  const std::string name = Enqueue(1);
  wire::SchedulerMessage first;
  ASSERT_TRUE(worker.Read(&first));
  ASSERT_TRUE(first.has_assignment()) << first.DebugString();
  ASSERT_EQ(first.assignment().attempt(), 1u);

  scheduler_->HoldBackNextRequest();
  ASSERT_TRUE(worker.RequestWork());
  ASSERT_TRUE(WaitUntil([&] { return scheduler_->HoldsARequest(); }));
  scheduler_->RepeatLastAssignment();

  // Nothing was sent for the repeat: the next message is the next operation's assignment.
  ASSERT_TRUE(worker.RequestWork());
  const std::string next = Enqueue(2);
  wire::SchedulerMessage second;
  ASSERT_TRUE(worker.Read(&second));
  ASSERT_TRUE(second.has_assignment()) << "expected the next operation, got " << second.DebugString();
  EXPECT_EQ(second.assignment().operation_name(), next);

  reapi::ActionResult result;
  result.set_exit_code(3);
  ASSERT_TRUE(worker.Finished(name, result, google::rpc::Status(), 1));
  ASSERT_TRUE(WaitUntil([&] { return scheduler_->Get(kClient, name).value().done; }));
  const OperationSnapshot done = scheduler_->Get(kClient, name).value();
  EXPECT_EQ(done.response.status().code(), 0);
  EXPECT_EQ(done.response.result().exit_code(), 3);
}

}  // namespace
}  // namespace kiln
