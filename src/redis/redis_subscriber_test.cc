#include "redis/redis_subscriber.h"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>

#include "testing/eventually.h"
#include "testing/redis_server_process.h"

namespace kiln::redis {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::RedisServerProcess;

// What a subscriber heard.
struct Heard {
  std::mutex mutex;
  std::vector<std::pair<std::string, std::string>> messages;
  std::atomic<int> subscribed{0};
  std::vector<Status> errors;

  RedisSubscriber::Callbacks Callbacks() {
    return {[this](const std::string& channel, const std::string& payload) {
              std::lock_guard lock(mutex);
              messages.emplace_back(channel, payload);
            },
            [this] { ++subscribed; },
            [this](const Status& status) {
              std::lock_guard lock(mutex);
              errors.push_back(status);
            }};
  }
  size_t count() {
    std::lock_guard lock(mutex);
    return messages.size();
  }
};

class RedisSubscriberTest : public ::testing::Test {
 protected:
  void SetUp() override {
    StatusOr<std::unique_ptr<RedisServerProcess>> server = RedisServerProcess::Start();
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(*server);
    address_ = *ParseRedisUrl(server_->url());
    StatusOr<std::unique_ptr<RedisClient>> client = ConnectRedis(address_, {});
    ASSERT_TRUE(client.ok()) << client.status().ToString();
    client_ = std::move(*client);
  }

  std::unique_ptr<RedisServerProcess> server_;
  RedisAddress address_;
  std::unique_ptr<RedisClient> client_;
};

TEST_F(RedisSubscriberTest, DeliversMessagesOfItsChannels) {
  Heard heard;
  StatusOr<std::unique_ptr<RedisSubscriber>> subscriber =
      RedisSubscriber::Start(address_, {}, {"work", "cancel"}, heard.Callbacks());
  ASSERT_TRUE(subscriber.ok()) << subscriber.status().ToString();
  ASSERT_TRUE(Eventually([&] { return heard.subscribed.load() == 1; }));
  const std::string binary("op\0\r\n1", 6);
  EXPECT_EQ(*client_->Run("", {"PUBLISH", "work", binary}), Reply::Integer(1));
  EXPECT_EQ(*client_->Run("", {"PUBLISH", "other", "ignored"}), Reply::Integer(0));
  EXPECT_EQ(*client_->Run("", {"PUBLISH", "cancel", "op2"}), Reply::Integer(1));
  ASSERT_TRUE(Eventually([&] { return heard.count() == 2; }));
  std::lock_guard lock(heard.mutex);
  EXPECT_EQ(heard.messages[0], std::make_pair(std::string("work"), binary));
  EXPECT_EQ(heard.messages[1], std::make_pair(std::string("cancel"), std::string("op2")));
}

TEST_F(RedisSubscriberTest, ResubscribesAfterTheServerRestarts) {
  Heard heard;
  StatusOr<std::unique_ptr<RedisSubscriber>> subscriber = RedisSubscriber::Start(address_, {}, {"work"}, heard.Callbacks());
  ASSERT_TRUE(subscriber.ok());
  ASSERT_TRUE(Eventually([&] { return heard.subscribed.load() == 1; }));
  server_->Kill();
  std::this_thread::sleep_for(milliseconds(300));
  ASSERT_TRUE(server_->Restart().ok()) << server_->LogTail();
  ASSERT_TRUE(Eventually([&] { return heard.subscribed.load() == 2; }, seconds(10)));
  {
    std::lock_guard lock(heard.mutex);
    ASSERT_FALSE(heard.errors.empty());
    EXPECT_EQ(heard.errors[0].code(), StatusCode::kUnavailable);
    EXPECT_NE(heard.errors[0].message().find("connection closed by the server"), std::string::npos)
        << heard.errors[0].ToString();
  }
  EXPECT_EQ(*client_->Run("", {"PUBLISH", "work", "after"}), Reply::Integer(1));
  ASSERT_TRUE(Eventually([&] { return heard.count() == 1; }));
  // Idle, the subscriber sends nothing: its connection's last command stays SUBSCRIBE and
  // its idle time grows.
  std::this_thread::sleep_for(milliseconds(2100));
  StatusOr<Reply> clients = client_->Run("", {"CLIENT", "LIST", "TYPE", "pubsub"});
  ASSERT_TRUE(clients.ok());
  EXPECT_NE(clients->text.find("cmd=subscribe"), std::string::npos) << clients->text;
  const size_t idle = clients->text.find(" idle=");
  ASSERT_NE(idle, std::string::npos);
  EXPECT_GE(std::atoi(clients->text.c_str() + idle + 6), 2) << clients->text;
}

TEST_F(RedisSubscriberTest, StopsPromptlyConnectedOrNot) {
  Heard heard;
  StatusOr<std::unique_ptr<RedisSubscriber>> subscriber = RedisSubscriber::Start(address_, {}, {"work"}, heard.Callbacks());
  ASSERT_TRUE(subscriber.ok());
  ASSERT_TRUE(Eventually([&] { return heard.subscribed.load() == 1; }));
  auto start = std::chrono::steady_clock::now();
  subscriber->reset();
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(500));

  RedisAddress nowhere;
  nowhere.seeds = {{"127.0.0.1", testing::FreeLoopbackPort()}};
  StatusOr<std::unique_ptr<RedisSubscriber>> retrying = RedisSubscriber::Start(nowhere, {}, {"work"}, heard.Callbacks());
  ASSERT_TRUE(retrying.ok());
  std::this_thread::sleep_for(milliseconds(500));
  start = std::chrono::steady_clock::now();
  retrying->reset();
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(500));
  EXPECT_EQ(heard.subscribed.load(), 1);
}

}  // namespace
}  // namespace kiln::redis
