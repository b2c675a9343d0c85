#include "common/blocking_task_pool.h"

#include <gtest/gtest.h>

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
