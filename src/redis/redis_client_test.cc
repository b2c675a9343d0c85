#include "redis/redis_client.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "testing/redis_server_process.h"

namespace kiln::redis {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::RedisServerOptions;
using testing::RedisServerProcess;

class RedisClientTest : public ::testing::Test {
 protected:
  void SetUp() override { Start({}); }

  void Start(RedisServerOptions options) {
    StatusOr<std::unique_ptr<RedisServerProcess>> server = RedisServerProcess::Start(std::move(options));
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(*server);
  }

  std::unique_ptr<RedisClient> Connect(RedisClientOptions options = {}) {
    StatusOr<RedisAddress> address = ParseRedisUrl(server_->url());
    EXPECT_TRUE(address.ok());
    StatusOr<std::unique_ptr<RedisClient>> client = ConnectRedis(*address, options);
    EXPECT_TRUE(client.ok()) << client.status().ToString();
    return client.ok() ? std::move(*client) : nullptr;
  }

  std::unique_ptr<RedisServerProcess> server_;
};

TEST_F(RedisClientTest, RunsCommandsAndPipelinesStandalone) {
  auto client = Connect();
  ASSERT_NE(client, nullptr);
  EXPECT_FALSE(client->is_cluster());
  EXPECT_TRUE(client->Run("k", {"SET", "k", "v"})->is_status("OK"));
  EXPECT_EQ(*client->Run("k", {"GET", "k"}), Reply::String("v"));
  StatusOr<std::vector<Reply>> replies = client->RunPipeline("{q}", {{"RPUSH", "{q}a", "1", "2"}, {"LLEN", "{q}a"}, {"HGET", "{q}a", "f"}});
  ASSERT_TRUE(replies.ok()) << replies.status().ToString();
  EXPECT_EQ((*replies)[0], Reply::Integer(2));
  EXPECT_EQ((*replies)[1], Reply::Integer(2));
  EXPECT_EQ((*replies)[2].error_code(), "WRONGTYPE");  // Error replies are the caller's.
}

TEST_F(RedisClientTest, EvalFallsBackToEvalWhenTheScriptIsUnknown) {
  auto client = Connect();
  ASSERT_NE(client, nullptr);
  RedisScript script("return redis.call('INCRBY', KEYS[1], ARGV[1])");
  EXPECT_EQ(*client->Eval(script, {"counter"}, {"5"}), Reply::Integer(5));
  EXPECT_EQ(*client->Run("", {"SCRIPT", "EXISTS", script.sha1()}), Reply::Array({Reply::Integer(1)}));
  ASSERT_TRUE(client->Run("", {"SCRIPT", "FLUSH"})->is_status("OK"));
  EXPECT_EQ(*client->Eval(script, {"counter"}, {"2"}), Reply::Integer(7));
  EXPECT_EQ(*client->Run("", {"SCRIPT", "EXISTS", script.sha1()}), Reply::Array({Reply::Integer(1)}));
  // A script's own error is a reply.
  StatusOr<Reply> failed = client->Eval(RedisScript("return redis.error_reply('NOPE not today')"), {}, {});
  ASSERT_TRUE(failed.ok());
  EXPECT_EQ(failed->error_code(), "NOPE");
}

TEST_F(RedisClientTest, ScriptDigestIsSha1OfTheSource) {
  // As `echo -n "return 1" | sha1sum` prints it.
  EXPECT_EQ(RedisScript("return 1").sha1(), "e0e1f9fabfc9d4800c877a703b823ac0578ff8db");
}

TEST_F(RedisClientTest, RunBlockingWakesOnPushAndNeverHoldsAPooledConnection) {
  RedisClientOptions options;
  options.max_connections_per_node = 1;
  auto client = Connect(options);
  ASSERT_NE(client, nullptr);
  StatusOr<Reply> popped = Reply();
  std::atomic<bool> done{false};
  const auto start = std::chrono::steady_clock::now();
  std::thread waiter([&] {
    popped = client->RunBlocking("jobs", {"BLPOP", "jobs", "5"}, seconds(5));
    done = true;
  });
  std::this_thread::sleep_for(milliseconds(200));
  // The only pooled connection is free for others meanwhile.
  EXPECT_TRUE(client->Run("", {"PING"})->is_status("PONG"));
  EXPECT_FALSE(done.load());
  EXPECT_EQ(*client->Run("jobs", {"LPUSH", "jobs", "job-1"}), Reply::Integer(1));
  waiter.join();
  ASSERT_TRUE(popped.ok()) << popped.status().ToString();
  EXPECT_EQ(*popped, Reply::Array({Reply::String("jobs"), Reply::String("job-1")}));
  EXPECT_LT(std::chrono::steady_clock::now() - start, seconds(2));

  // The server's own timeout: nil, not an error.
  EXPECT_EQ(*client->RunBlocking("jobs", {"BLPOP", "jobs", "0.1"}, milliseconds(100)), Reply::Nil());
}

TEST_F(RedisClientTest, TimesOutWithoutRetrying) {
  RedisClientOptions options;
  options.command_timeout = milliseconds(200);
  auto client = Connect(options);
  ASSERT_NE(client, nullptr);
  auto start = std::chrono::steady_clock::now();
  StatusOr<Reply> stuck = client->Run("q", {"BLPOP", "q", "5"});
  EXPECT_EQ(stuck.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(stuck.status().message().find("timed out"), std::string::npos) << stuck.status().message();
  EXPECT_LT(std::chrono::steady_clock::now() - start, seconds(1));
  // A blocking command's wait is its block time plus the command timeout.
  start = std::chrono::steady_clock::now();
  EXPECT_EQ(*client->RunBlocking("q", {"BLPOP", "q", "0.5"}, milliseconds(500)), Reply::Nil());
  EXPECT_GE(std::chrono::steady_clock::now() - start, milliseconds(450));
}

TEST_F(RedisClientTest, PoolServesManyThreads) {
  RedisClientOptions options;
  options.max_connections_per_node = 4;
  auto client = Connect(options);
  ASSERT_NE(client, nullptr);
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 16; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) {
        StatusOr<Reply> reply = client->Run("hits", {"INCR", "hits"});
        if (!reply.ok() || !reply->is_integer()) ++failures;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(*client->Run("hits", {"GET", "hits"}), Reply::String("16000"));
  // No more than 4 connections open (the probe ConnectRedis made is closed).
  StatusOr<Reply> clients = client->Run("", {"INFO", "clients"});
  ASSERT_TRUE(clients.ok());
  const size_t at = clients->text.find("connected_clients:");
  ASSERT_NE(at, std::string::npos);
  EXPECT_LE(std::atoi(clients->text.c_str() + at + 18), 4) << clients->text;
}

TEST_F(RedisClientTest, FailsFastWhenTheServerDiesMidCallAndRecoversAfterRestart) {
  RedisClientOptions options;
  options.retry_window = seconds(3);
  auto client = Connect(options);
  ASSERT_NE(client, nullptr);
  ASSERT_TRUE(client->Run("k", {"SET", "k", "1"}).ok());
  // In flight when the server dies: it may have run, so no retry.
  StatusOr<Reply> lost = Reply();
  std::thread caller([&] { lost = client->Run("", {"DEBUG", "SLEEP", "5"}); });
  std::this_thread::sleep_for(milliseconds(200));
  server_->Kill();
  caller.join();
  EXPECT_EQ(lost.status().code(), StatusCode::kUnavailable) << lost.status().ToString();

  // Down: connecting is retried for the retry window, then UNAVAILABLE.
  auto start = std::chrono::steady_clock::now();
  StatusOr<Reply> down = client->Run("k", {"GET", "k"});
  EXPECT_EQ(down.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(down.status().message().find("Connection refused"), std::string::npos) << down.status().message();
  EXPECT_GE(std::chrono::steady_clock::now() - start, milliseconds(2500));
  EXPECT_LT(std::chrono::steady_clock::now() - start, seconds(5));

  // Back within the retry window: the call just takes longer. Idle pooled connections to
  // the old process are noticed and dropped.
  StatusOr<Reply> later = Reply();
  start = std::chrono::steady_clock::now();
  std::thread waiting([&] { later = client->Run("k", {"SET", "k", "2"}); });
  std::this_thread::sleep_for(milliseconds(300));
  ASSERT_TRUE(server_->Restart().ok()) << server_->LogTail();
  waiting.join();
  ASSERT_TRUE(later.ok()) << later.status().ToString();
  EXPECT_TRUE(later->is_status("OK"));
  EXPECT_TRUE(client->Run("k", {"GET", "k"}).ok());
  server_->Stop();
  ASSERT_TRUE(server_->Restart().ok());
  EXPECT_EQ(*client->Run("k", {"EXISTS", "k"}), Reply::Integer(0));  // No persistence asked for.
}

TEST(ConnectRedisTest, ReportsUnreachableSeedsAndBadCredentials) {
  StatusOr<RedisAddress> address = ParseRedisUrl("redis://127.0.0.1:" + std::to_string(testing::FreeLoopbackPort()) +
                                                 ",127.0.0.1:" + std::to_string(testing::FreeLoopbackPort()));
  ASSERT_TRUE(address.ok());
  StatusOr<std::unique_ptr<RedisClient>> client = ConnectRedis(*address, {});
  EXPECT_EQ(client.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(client.status().message().find("Connection refused"), std::string::npos) << client.status().message();

  RedisServerOptions options;
  options.acl_user = "kiln";
  options.acl_password = "right";  // And "hunter2" the wrong one.
  StatusOr<std::unique_ptr<RedisServerProcess>> server = RedisServerProcess::Start(options);
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  StatusOr<RedisAddress> wrong = ParseRedisUrl("redis://kiln:hunter2@127.0.0.1:" + std::to_string((*server)->port()));
  ASSERT_TRUE(wrong.ok());
  client = ConnectRedis(*wrong, {});
  EXPECT_EQ(client.status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(client.status().message().find("hunter2"), std::string::npos) << client.status().message();
  StatusOr<RedisAddress> right = ParseRedisUrl("redis://kiln:right@127.0.0.1:" + std::to_string((*server)->port()));
  client = ConnectRedis(*right, {});
  ASSERT_TRUE(client.ok()) << client.status().ToString();
  EXPECT_EQ(*(*client)->Run("", {"ACL", "WHOAMI"}), Reply::String("kiln"));
}

}  // namespace
}  // namespace kiln::redis
