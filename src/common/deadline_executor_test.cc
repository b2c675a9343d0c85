#include "common/deadline_executor.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>

namespace kiln {
namespace {

using std::chrono::milliseconds;

TEST(DeadlineExecutorTest, RunsCallsAtOnce) {
  DeadlineExecutor executor(4);
  std::atomic<int> waiting{0};
  std::vector<std::function<Status()>> calls;
  for (int i = 0; i < 4; ++i) {
    calls.push_back([&waiting] {
      // Each call waits for all four to have started: only true if they run at once.
      ++waiting;
      const auto start = std::chrono::steady_clock::now();
      while (waiting.load() < 4 && std::chrono::steady_clock::now() - start < std::chrono::seconds(5)) {
        std::this_thread::yield();
      }
      return waiting.load() == 4 ? Status::Ok() : Status::Internal("ran one at a time");
    });
  }
  for (const auto& result : executor.RunAll(std::move(calls), std::chrono::seconds(10))) {
    ASSERT_TRUE(result.has_value());
    EXPECT_TRUE(result->ok()) << result->ToString();
  }
}

TEST(DeadlineExecutorTest, GivesUpOnACallPastTheDeadline) {
  DeadlineExecutor executor(2);
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::vector<std::function<Status()>> calls;
  calls.push_back([released] {
    released.wait();
    return Status::Ok();
  });
  calls.push_back([] { return Status::NotFound("quick"); });
  const auto start = std::chrono::steady_clock::now();
  auto results = executor.RunAll(std::move(calls), milliseconds(100));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  EXPECT_FALSE(results[0].has_value());
  ASSERT_TRUE(results[1].has_value());
  EXPECT_EQ(results[1]->code(), StatusCode::kNotFound);
  EXPECT_EQ(executor.running(), 1);  // The abandoned call still holds its thread.
  release.set_value();
}

TEST(DeadlineExecutorTest, CallsQueuedPastTheirDeadlineNeverRun) {
  DeadlineExecutor executor(1);
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<bool> ran{false};
  std::vector<std::function<Status()>> calls;
  calls.push_back([released] {
    released.wait();
    return Status::Ok();
  });
  calls.push_back([&ran] {
    ran = true;
    return Status::Ok();
  });
  auto results = executor.RunAll(std::move(calls), milliseconds(50));
  EXPECT_FALSE(results[1].has_value());
  release.set_value();
  // A later batch runs on the freed thread; the abandoned call never does.
  auto later = executor.RunAll({[] { return Status::Ok(); }}, std::chrono::seconds(5));
  ASSERT_TRUE(later[0].has_value());
  EXPECT_FALSE(ran.load());
}

}  // namespace
}  // namespace kiln
