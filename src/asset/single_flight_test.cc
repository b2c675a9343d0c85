#include "asset/single_flight.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace kiln {
namespace {

using Clock = std::chrono::steady_clock;
const auto kFar = std::chrono::seconds(30);

// Waits (bounded) until `flight` has `count` waiters.
void AwaitWaiters(const SingleFlight<int>& flight, int count) {
  for (int i = 0; i < 1000 && flight.waiting() < count; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
}

TEST(SingleFlightTest, CallersOfARunningKeyGetItsValue) {
  SingleFlight<int> flight;
  std::atomic<int> runs{0};
  const auto now = std::chrono::system_clock::now();
  int values[3] = {0, 0, 0};
  std::vector<std::thread> callers;
  for (int& value : values) {
    callers.emplace_back([&] {
      value = *flight.Run("k", now, std::nullopt, Clock::now() + kFar, [&] {
        ++runs;
        AwaitWaiters(flight, 2);
        return 42;
      });
    });
  }
  for (std::thread& caller : callers) caller.join();
  EXPECT_EQ(runs, 1);
  for (int value : values) EXPECT_EQ(value, 42);
  // Finished runs are forgotten: the next call runs again.
  EXPECT_EQ(*flight.Run("k", now, std::nullopt, Clock::now() + kFar, [&] { return ++runs; }), 2);
}

TEST(SingleFlightTest, AWaiterStopsAtItsDeadlineAndOlderRunsAreNotJoined) {
  SingleFlight<int> flight;
  const auto started = std::chrono::system_clock::now();
  std::atomic<bool> release{false};
  std::thread leader([&] {
    flight.Run("k", started, std::nullopt, Clock::now() + kFar, [&] {
      for (int i = 0; i < 1000 && !release; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
      return 1;
    });
  });
  for (int i = 0; i < 1000; ++i) {  // Until the leader's run is registered: a short wait times out.
    if (!flight.Run("k", started, std::nullopt, Clock::now() + std::chrono::milliseconds(1), [] { return -1; }).has_value()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_FALSE(flight.Run("k", started, std::nullopt, Clock::now() + std::chrono::milliseconds(20), [] { return 2; }));
  // A caller that wants content from after the running fetch began runs on its own.
  EXPECT_EQ(flight.Run("k", started, started + std::chrono::seconds(1), Clock::now() + kFar, [] { return 3; }), 3);
  EXPECT_EQ(flight.Run("other", started, std::nullopt, Clock::now() + kFar, [] { return 4; }), 4);
  release = true;
  leader.join();
  EXPECT_EQ(flight.waiting(), 0);
}

}  // namespace
}  // namespace kiln
