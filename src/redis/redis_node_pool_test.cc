#include "redis/redis_node_pool.h"

#include <gtest/gtest.h>

#include <thread>

#include "testing/redis_server_process.h"

namespace kiln::redis {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(RedisNodePoolTest, ReusesIdleConnectionsAndBoundsTheWaitForBusyOnes) {
  StatusOr<std::unique_ptr<testing::RedisServerProcess>> server = testing::RedisServerProcess::Start();
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  std::shared_ptr<RedisNodePool> pool = RedisNodePool::Create((*server)->endpoint(), {}, 1);

  RedisConnection* first = nullptr;
  {
    RedisNodePool::Acquired held = pool->Acquire(seconds(1));
    ASSERT_TRUE(held.status.ok()) << held.status.ToString();
    first = &*held.lease;
    const auto start = std::chrono::steady_clock::now();
    RedisNodePool::Acquired waiting = pool->Acquire(milliseconds(150));
    EXPECT_EQ(waiting.status.code(), StatusCode::kUnavailable);
    EXPECT_FALSE(waiting.connect_failed);
    EXPECT_NE(waiting.status.message().find("stayed busy"), std::string::npos) << waiting.status.message();
    EXPECT_GE(std::chrono::steady_clock::now() - start, milliseconds(140));
    EXPECT_LT(std::chrono::steady_clock::now() - start, seconds(1));
  }
  {
    RedisNodePool::Acquired again = pool->Acquire(seconds(1));
    ASSERT_TRUE(again.status.ok());
    EXPECT_EQ(&*again.lease, first);  // The idle one, not a new connection.
    // A waiter gets the connection as soon as it comes back.
    std::thread returner([lease = std::move(again.lease)]() mutable {
      std::this_thread::sleep_for(milliseconds(100));
      lease = RedisNodePool::Lease();
    });
    RedisNodePool::Acquired waited = pool->Acquire(seconds(2));
    returner.join();
    ASSERT_TRUE(waited.status.ok()) << waited.status.ToString();
    EXPECT_TRUE(waited.lease->Run({"PING"}, seconds(1))->is_status("PONG"));
  }
  // Idle connections the server closed are dropped, not handed out.
  ASSERT_TRUE((*server)->Restart().ok());
  RedisNodePool::Acquired after = pool->Acquire(seconds(1));
  ASSERT_TRUE(after.status.ok()) << after.status.ToString();
  EXPECT_TRUE(after.lease->Run({"PING"}, seconds(1))->is_status("PONG"));

  (*server)->Kill();
  after = RedisNodePool::Acquired();
  RedisNodePool::Acquired refused = pool->Acquire(seconds(1));
  EXPECT_EQ(refused.status.code(), StatusCode::kUnavailable);
  EXPECT_TRUE(refused.connect_failed);
}

}  // namespace
}  // namespace kiln::redis
