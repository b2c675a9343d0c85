// The client against a real six-node Redis Cluster, shared by the suite (tests run in the
// order written; the failover test, which leaves a node dead, comes last).
#include <gtest/gtest.h>

#include <thread>

#include "redis/redis_client.h"
#include "redis/redis_key_slot.h"
#include "redis/redis_subscriber.h"
#include "testing/eventually.h"
#include "testing/redis_cluster.h"

namespace kiln::redis {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::RedisCluster;

class RedisClusterTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    StatusOr<std::unique_ptr<RedisCluster>> cluster = RedisCluster::Start();
    if (!cluster.ok()) {
      start_error_ = new std::string(cluster.status().ToString());
      return;
    }
    cluster_ = cluster->release();
  }
  static void TearDownTestSuite() {
    delete cluster_;
    cluster_ = nullptr;
    delete start_error_;
    start_error_ = nullptr;
  }
  void SetUp() override { ASSERT_NE(cluster_, nullptr) << *start_error_; }

  static std::unique_ptr<RedisClient> Connect(RedisAddress address, RedisClientOptions options = {}) {
    StatusOr<std::unique_ptr<RedisClient>> client = ConnectRedis(address, options);
    EXPECT_TRUE(client.ok()) << client.status().ToString();
    return client.ok() ? std::move(*client) : nullptr;
  }
  // The node ID of node `i`.
  static std::string Id(int i) {
    StatusOr<std::string> id = cluster_->node(i).Cli({"CLUSTER", "MYID"});
    return id.ok() ? id->substr(0, id->find('\n')) : "";
  }
  // Runs redis-cli on node `i`; its output without the trailing newline.
  static std::string Cli(int i, const std::vector<std::string>& args) {
    StatusOr<std::string> out = cluster_->node(i).Cli(args);
    EXPECT_TRUE(out.ok()) << out.status().ToString();
    std::string text = out.ok() ? *out : "";
    while (text.ends_with('\n')) text.pop_back();
    return text;
  }

  static RedisCluster* cluster_;
  static std::string* start_error_;
};

RedisCluster* RedisClusterTest::cluster_ = nullptr;
std::string* RedisClusterTest::start_error_ = nullptr;

TEST_F(RedisClusterTest, KeySlotAgreesWithTheServer) {
  auto client = Connect(cluster_->address());
  ASSERT_NE(client, nullptr);
  EXPECT_TRUE(client->is_cluster());
  for (std::string key : {"foo", "bar", "{user1000}.following", "foo{}{bar}", "foo{{bar}}zap", "a{b", "", "kiln:op:42",
                          "\xff\xfe binary"}) {
    StatusOr<Reply> slot = client->Run("", {"CLUSTER", "KEYSLOT", key});
    ASSERT_TRUE(slot.ok()) << slot.status().ToString();
    EXPECT_EQ(slot->integer, KeySlot(key)) << key;
  }
}

TEST_F(RedisClusterTest, RoutesEachKeyToTheMasterOfItsSlot) {
  auto client = Connect(cluster_->address());
  ASSERT_NE(client, nullptr);
  std::set<int> masters_used;
  for (int i = 0; i < 60; ++i) {
    const std::string key = "route-" + std::to_string(i);
    StatusOr<Reply> set = client->Run(key, {"SET", key, std::to_string(i)});
    ASSERT_TRUE(set.ok()) << set.status().ToString();
    ASSERT_TRUE(set->is_status("OK")) << set->DebugString();
    EXPECT_EQ(*client->Run(key, {"GET", key}), Reply::String(std::to_string(i)));
    if (i % 10 == 0) {
      // Stored on that master itself (redis-cli without -c does not follow redirects).
      const int master = cluster_->MasterOfSlot(KeySlot(key));
      ASSERT_GE(master, 0);
      masters_used.insert(master);
      EXPECT_EQ(Cli(master, {"GET", key}), std::to_string(i));
    }
  }
  EXPECT_GE(masters_used.size(), 2u);
  // Pipelines and scripts on one hash tag.
  StatusOr<std::vector<Reply>> replies =
      client->RunPipeline("{op7}", {{"HSET", "{op7}:state", "stage", "queued"}, {"RPUSH", "{op7}:log", "x"},
                                    {"HGET", "{op7}:state", "stage"}});
  ASSERT_TRUE(replies.ok()) << replies.status().ToString();
  EXPECT_EQ((*replies)[2], Reply::String("queued"));
  RedisScript script("redis.call('SET', KEYS[1], ARGV[1]); return redis.call('LLEN', KEYS[2])");
  EXPECT_EQ(*client->Eval(script, {"{op7}:flag", "{op7}:log"}, {"on"}), Reply::Integer(1));
}

TEST_F(RedisClusterTest, WorksFromAnySingleSeed) {
  for (size_t seed = 0; seed < cluster_->size(); seed += 5) {  // A master and a replica.
    RedisAddress address;
    address.seeds = {cluster_->node(seed).endpoint()};
    auto client = Connect(address);
    ASSERT_NE(client, nullptr);
    for (int i = 0; i < 20; ++i) {
      const std::string key = "seed-" + std::to_string(i);
      ASSERT_TRUE(client->Run(key, {"SET", key, "x"})->is_status("OK"));
    }
  }
}

TEST_F(RedisClusterTest, FollowsAskDuringAMigrationAndMovedAfterIt) {
  auto client = Connect(cluster_->address());
  ASSERT_NE(client, nullptr);
  const std::string old_key = "{migrating}old", new_key = "{migrating}new";
  const int slot = KeySlot(old_key);
  ASSERT_TRUE(client->Run(old_key, {"SET", old_key, "before"})->is_status("OK"));
  const int source = cluster_->MasterOfSlot(slot);
  ASSERT_GE(source, 0);
  int target = -1;
  for (int master : cluster_->Masters()) {
    if (master != source) target = master;
  }
  ASSERT_GE(target, 0);
  const std::string slot_text = std::to_string(slot);
  EXPECT_EQ(Cli(target, {"CLUSTER", "SETSLOT", slot_text, "IMPORTING", Id(source)}), "OK");
  EXPECT_EQ(Cli(source, {"CLUSTER", "SETSLOT", slot_text, "MIGRATING", Id(target)}), "OK");

  // A key the source no longer has goes to the target (ASK: ASKING + the command there).
  StatusOr<Reply> created = client->Run(new_key, {"SET", new_key, "during"});
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  EXPECT_TRUE(created->is_status("OK")) << created->DebugString();
  // One it still has is served by the source.
  EXPECT_EQ(*client->Run(old_key, {"GET", old_key}), Reply::String("before"));

  EXPECT_EQ(Cli(source, {"MIGRATE", "127.0.0.1", std::to_string(cluster_->node(target).port()), "", "0", "5000",
                         "KEYS", old_key}),
            "OK");
  for (int master : cluster_->Masters()) {
    EXPECT_EQ(Cli(master, {"CLUSTER", "SETSLOT", slot_text, "NODE", Id(target)}), "OK");
  }
  // The client's map still says source: MOVED, and the map is patched.
  StatusOr<std::vector<Reply>> both = client->RunPipeline(old_key, {{"GET", old_key}, {"GET", new_key}});
  ASSERT_TRUE(both.ok()) << both.status().ToString();
  EXPECT_EQ(*both, (std::vector<Reply>{Reply::String("before"), Reply::String("during")}));
  EXPECT_EQ(Cli(target, {"GET", new_key}), "during");
  ASSERT_TRUE(cluster_->WaitUntilHealthy(seconds(10)).ok());
}

TEST_F(RedisClusterTest, SubscriberHearsPublishesFromAnyNode) {
  std::atomic<int> subscribed{0};
  std::mutex mutex;
  std::vector<std::string> payloads;
  RedisAddress address;
  address.seeds = {cluster_->node(4).endpoint()};
  StatusOr<std::unique_ptr<RedisSubscriber>> subscriber = RedisSubscriber::Start(
      address, {}, {"farm"},
      {[&](const std::string&, const std::string& payload) {
         std::lock_guard lock(mutex);
         payloads.push_back(payload);
       },
       [&] { ++subscribed; }});
  ASSERT_TRUE(subscriber.ok());
  ASSERT_TRUE(Eventually([&] { return subscribed.load() == 1; }));
  Cli(0, {"PUBLISH", "farm", "from-0"});
  Cli(2, {"PUBLISH", "farm", "from-2"});
  ASSERT_TRUE(Eventually([&] {
    std::lock_guard lock(mutex);
    return payloads.size() == 2;
  }));
}

// Last: leaves the cluster with a dead node.
TEST_F(RedisClusterTest, FollowsAFailoverWithinSeconds) {
  RedisClientOptions options;
  options.retry_window = seconds(2);
  auto client = Connect(cluster_->address(), options);
  ASSERT_NE(client, nullptr);
  const std::string key = "failover-key";
  ASSERT_TRUE(client->Run(key, {"SET", key, "kept"})->is_status("OK"));
  const int master = cluster_->MasterOfSlot(KeySlot(key));
  ASSERT_GE(master, 0);
  // Replicated before the crash (WAIT: until one replica acknowledged).
  EXPECT_EQ(Cli(master, {"WAIT", "1", "2000"}), "1");

  cluster_->node(master).Kill();
  const auto killed_at = std::chrono::steady_clock::now();
  int unavailable = 0;
  StatusOr<Reply> reply = Status::Unavailable("not yet");
  while (std::chrono::steady_clock::now() - killed_at < seconds(20)) {
    reply = client->Run(key, {"GET", key});
    if (reply.ok()) break;
    EXPECT_EQ(reply.status().code(), StatusCode::kUnavailable) << reply.status().ToString();
    ++unavailable;
  }
  const auto outage = std::chrono::steady_clock::now() - killed_at;
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  EXPECT_EQ(*reply, Reply::String("kept"));
  EXPECT_LT(outage, seconds(10));
  std::cout << "failover: served again after "
            << std::chrono::duration_cast<milliseconds>(outage).count() << " ms, " << unavailable
            << " UNAVAILABLE answers meanwhile\n";
  const int promoted = cluster_->MasterOfSlot(KeySlot(key));
  EXPECT_NE(promoted, master);
  EXPECT_TRUE(client->Run(key, {"SET", key, "after"})->is_status("OK"));
}

}  // namespace
}  // namespace kiln::redis
