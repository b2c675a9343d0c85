// FrontendRotation with scripted randomness: the first frontend is picked at random, every
// end or failure moves on to the next one (cycling), delays double with each failure in a
// row up to the maximum, a session's end starts the streak afresh, and the jitter keeps
// each delay within the upper half of its step.
#include "client/frontend_rotation.h"

#include <gtest/gtest.h>

#include <deque>

namespace kiln {
namespace {

using std::chrono::milliseconds;

// Returns the scripted values in turn, then `rest` forever.
std::function<double()> Scripted(std::deque<double> values, double rest = 1.0) {
  auto queue = std::make_shared<std::deque<double>>(std::move(values));
  return [queue, rest] {
    if (queue->empty()) return rest;
    const double value = queue->front();
    queue->pop_front();
    return value;
  };
}

FrontendRotationOptions Options(size_t frontends, std::function<double()> random) {
  FrontendRotationOptions options;
  options.frontends = frontends;
  options.initial_backoff = milliseconds(100);
  options.max_backoff = milliseconds(1000);
  options.random = std::move(random);
  return options;
}

TEST(FrontendRotationTest, StartsAtARandomFrontend) {
  EXPECT_EQ(FrontendRotation(Options(3, Scripted({0.0}))).current(), 0u);
  EXPECT_EQ(FrontendRotation(Options(3, Scripted({0.34}))).current(), 1u);
  EXPECT_EQ(FrontendRotation(Options(3, Scripted({0.99}))).current(), 2u);
  EXPECT_EQ(FrontendRotation(Options(3, Scripted({1.0}))).current(), 2u);  // Even out of range.
  EXPECT_EQ(FrontendRotation(Options(1, Scripted({0.7}))).current(), 0u);
  // The default randomness stays within the list.
  FrontendRotationOptions seeded = Options(4, nullptr);
  for (int i = 0; i < 20; ++i) EXPECT_LT(FrontendRotation(seeded).current(), 4u);
}

TEST(FrontendRotationTest, CyclesThroughTheListAfterEveryEndOrFailure) {
  FrontendRotation rotation(Options(3, Scripted({0.5})));
  std::vector<size_t> visited = {rotation.current()};
  rotation.AfterFailure();
  visited.push_back(rotation.current());
  rotation.AfterSession();
  visited.push_back(rotation.current());
  rotation.AfterFailure();
  visited.push_back(rotation.current());
  EXPECT_EQ(visited, (std::vector<size_t>{1, 2, 0, 1}));

  FrontendRotation alone(Options(1, Scripted({})));
  alone.AfterFailure();
  alone.AfterSession();
  EXPECT_EQ(alone.current(), 0u);
}

TEST(FrontendRotationTest, DelaysDoubleWithFailuresUpToTheMaximum) {
  // Jitter 1.0: each delay is its whole step.
  FrontendRotation rotation(Options(2, Scripted({0.0}, 1.0)));
  std::vector<Duration> delays;
  for (int i = 0; i < 6; ++i) delays.push_back(rotation.AfterFailure());
  EXPECT_EQ(delays, (std::vector<Duration>{milliseconds(100), milliseconds(200), milliseconds(400), milliseconds(800),
                                           milliseconds(1000), milliseconds(1000)}));
}

TEST(FrontendRotationTest, AnAcceptedSessionStartsTheStreakAfresh) {
  FrontendRotation rotation(Options(2, Scripted({0.0}, 1.0)));
  for (int i = 0; i < 5; ++i) rotation.AfterFailure();
  EXPECT_EQ(rotation.AfterSession(), milliseconds(100));  // A frontend went away: move on at once.
  EXPECT_EQ(rotation.AfterFailure(), milliseconds(200));
  EXPECT_EQ(rotation.AfterFailure(), milliseconds(400));
  EXPECT_EQ(rotation.AfterSession(), milliseconds(100));
  EXPECT_EQ(rotation.AfterSession(), milliseconds(100));
}

TEST(FrontendRotationTest, JitterDrawsFromTheUpperHalfOfEachStep) {
  FrontendRotation rotation(Options(2, Scripted({0.0, 0.0, 0.5, 0.25, 0.999})));
  EXPECT_EQ(rotation.AfterFailure(), milliseconds(50));   // 100 ms step, least jitter.
  EXPECT_EQ(rotation.AfterFailure(), milliseconds(150));  // 200 ms step, halfway.
  EXPECT_EQ(rotation.AfterSession(), milliseconds(62) + std::chrono::microseconds(500));
  const Duration last = rotation.AfterFailure();  // 200 ms step, nearly all of it.
  EXPECT_GT(last, milliseconds(199));
  EXPECT_LE(last, milliseconds(200));
}

}  // namespace
}  // namespace kiln
