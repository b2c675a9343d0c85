#include "bench/load_runner.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

namespace kiln {
namespace {

// Completes operations on its own thread, as gRPC would: every fifth one fails. Has data
// for `capacity` operations, so runs end by running out, never by the clock.
class FakeScenario final : public Scenario {
 public:
  explicit FakeScenario(int capacity, Status prepare_status = Status::Ok(), size_t first_batch = 1)
      : capacity_(capacity), prepare_status_(std::move(prepare_status)), first_batch_(first_batch) {
    completer_ = std::thread([this] { CompleteUntilStopped(); });
  }
  ~FakeScenario() override {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    ready_.notify_all();
    completer_.join();
  }

  ScenarioInfo info() const override { return {"fake", "fake operations", RateUnit::kBytes, LimitKind::kNone, 3}; }
  Status Prepare(Duration) override {
    prepared_ = true;
    return prepare_status_;
  }
  bool Start(int slot, OpDone done) override {
    std::lock_guard lock(mutex_);
    if (started_ == capacity_) return false;
    ++started_;
    max_slot_ = std::max(max_slot_, slot);
    pending_.push_back({started_, std::move(done)});
    ready_.notify_all();
    return true;
  }

  bool prepared() const { return prepared_; }
  int max_slot() const { return max_slot_; }

 private:
  void CompleteUntilStopped() {
    std::unique_lock lock(mutex_);
    while (true) {
      // The first completion waits for `first_batch_` operations in flight, so a test can
      // see every slot used however the threads are scheduled.
      ready_.wait(lock, [this] { return stopping_ || pending_.size() >= first_batch_; });
      if (pending_.empty()) return;
      first_batch_ = 1;
      auto [number, done] = std::move(pending_.front());
      pending_.pop_front();
      lock.unlock();
      done(number % 5 == 0 ? OpResult::Failure("failure " + std::to_string(number)) : OpResult::Success(100));
      lock.lock();
    }
  }

  const int capacity_;
  const Status prepare_status_;
  size_t first_batch_;  // Guarded by mutex_ (once the completer runs).
  bool prepared_ = false;
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::pair<int, OpDone>> pending_;
  int started_ = 0;
  int max_slot_ = -1;
  bool stopping_ = false;
  std::thread completer_;
};

TEST(LoadRunnerTest, CountsSuccessesErrorsAndBytesUntilTheDataRunsOut) {
  FakeScenario scenario(50);
  const ScenarioResult result = RunScenario(scenario, {std::chrono::hours(1), 64, false});
  EXPECT_TRUE(scenario.prepared());
  EXPECT_EQ(result.info.name, "fake");
  EXPECT_EQ(result.ops, 40u);
  EXPECT_EQ(result.errors, 10u);
  EXPECT_EQ(result.first_error, "failure 5");
  EXPECT_EQ(result.bytes, 4000);
  EXPECT_EQ(result.latency.count(), 40u);
  EXPECT_TRUE(result.ran_out);
  EXPECT_TRUE(result.setup_error.empty());
}

TEST(LoadRunnerTest, TheScenarioInFlightOverridesTheOption) {
  FakeScenario scenario(30, Status::Ok(), /*first_batch=*/3);
  const ScenarioResult result = RunScenario(scenario, {std::chrono::hours(1), 64, false});
  EXPECT_EQ(result.in_flight, 3);
  EXPECT_EQ(scenario.max_slot(), 2);
}

TEST(LoadRunnerTest, AFailedPrepareRunsNothing) {
  FakeScenario scenario(10, Status::Unavailable("no server"));
  const ScenarioResult result = RunScenario(scenario, {std::chrono::hours(1), 4, false});
  EXPECT_EQ(result.ops + result.errors, 0u);
  EXPECT_NE(result.setup_error.find("no server"), std::string::npos);
}

TEST(LoadRunnerTest, NothingStartsAfterTheDuration) {
  FakeScenario scenario(1000);
  const ScenarioResult result = RunScenario(scenario, {Duration::zero(), 4, false});
  EXPECT_EQ(result.ops + result.errors, 0u);
  EXPECT_FALSE(result.ran_out);
}

}  // namespace
}  // namespace kiln
