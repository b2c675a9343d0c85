#include "common/blocking_task_pool.h"

#include <gtest/gtest.h>

#include <pthread.h>
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <future>

namespace kiln {
namespace {

TEST(BlockingTaskPoolTest, RunsEverySubmittedTaskBeforeStopReturns) {
  std::atomic<int> ran{0};
  BlockingTaskPool pool(2, 100);
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(pool.Submit([&ran] { ++ran; }).ok());
  pool.Stop();
  EXPECT_EQ(ran.load(), 50);
  Status late = pool.Submit([&ran] { ++ran; });
  EXPECT_EQ(late.code(), StatusCode::kUnavailable);
  EXPECT_EQ(ran.load(), 50);
}

TEST(BlockingTaskPoolTest, ThreadsTakeTheirNameAndALowerPriority) {
  const int caller_nice = getpriority(PRIO_PROCESS, static_cast<id_t>(gettid()));
  BlockingTaskPool pool(1, 10, "tasks", {"kiln-test-pool", 3});
  std::promise<std::pair<std::string, int>> seen;
  ASSERT_TRUE(pool.Submit([&seen] {
    char name[16] = {};
    pthread_getname_np(pthread_self(), name, sizeof(name));
    seen.set_value({name, getpriority(PRIO_PROCESS, static_cast<id_t>(gettid()))});
  }).ok());
  auto [name, nice] = seen.get_future().get();
  EXPECT_EQ(name, "kiln-test-pool");
  EXPECT_EQ(nice, std::min(caller_nice + 3, 19));
  // The caller's own priority is untouched: niceness is per thread.
  EXPECT_EQ(getpriority(PRIO_PROCESS, static_cast<id_t>(gettid())), caller_nice);
}

TEST(BlockingTaskPoolTest, RefusesWorkBeyondTheQueueLimit) {
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::promise<void> started;
  BlockingTaskPool pool(1, 1);
  ASSERT_TRUE(pool.Submit([&started, released] { started.set_value(); released.wait(); }).ok());
  started.get_future().wait();  // The only thread is now busy.
  ASSERT_TRUE(pool.Submit([] {}).ok());
  Status refused = pool.Submit([] {});
  EXPECT_EQ(refused.code(), StatusCode::kResourceExhausted);
  release.set_value();
  pool.Stop();
}

}  // namespace
}  // namespace kiln
