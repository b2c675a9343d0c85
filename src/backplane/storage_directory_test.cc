#include "backplane/storage_directory.h"

#include <gtest/gtest.h>

#include <thread>

#include "testing/redis_backplane_for_tests.h"

namespace kiln {
namespace {

using testing_support::RedisBackplaneForTests;

StorageDirectoryOptions OptionsFor(const std::string& key_namespace) {
  StorageDirectoryOptions options;
  options.key_namespace = key_namespace;
  options.refresh_interval = std::chrono::milliseconds(250);
  return options;
}

std::unique_ptr<StorageDirectory> DirectoryOf(const std::string& key_namespace, const Clock* clock) {
  return std::make_unique<StorageDirectory>(&RedisBackplaneForTests::Get().client(), clock,
                                            OptionsFor(key_namespace));
}

TEST(StorageDirectoryTest, NodesJoinWithTheirWeightsAndAreListedByName) {
  auto a = DirectoryOf("storage-join", SystemClock::Get());
  auto b = DirectoryOf("storage-join", SystemClock::Get());
  ASSERT_TRUE(b->Join("grpc://127.0.0.1:2002", 2.5).ok());
  ASSERT_TRUE(a->Join("grpc://127.0.0.1:2001", 1).ok());
  auto listed = DirectoryOf("storage-join", SystemClock::Get())->List();
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].name, "grpc://127.0.0.1:2001");
  EXPECT_EQ((*listed)[0].weight, 1.0);
  EXPECT_TRUE((*listed)[0].alive);
  EXPECT_EQ((*listed)[1].name, "grpc://127.0.0.1:2002");
  EXPECT_EQ((*listed)[1].weight, 2.5);
  // Another farm's ring is not this one's.
  auto other = DirectoryOf("storage-other", SystemClock::Get())->List();
  ASSERT_TRUE(other.ok());
  EXPECT_TRUE(other->empty());
}

TEST(StorageDirectoryTest, ADownNodeStaysAMemberUntilRemoved) {
  FakeClock clock;  // Never advanced: the node never refreshes its liveness.
  auto node = DirectoryOf("storage-down", &clock);
  ASSERT_TRUE(node->Join("grpc://127.0.0.1:2003", 1).ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(1300));  // Past four intervals.
  auto reader = DirectoryOf("storage-down", SystemClock::Get());
  auto listed = reader->List();
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u) << "down, but still placing blobs";
  EXPECT_FALSE((*listed)[0].alive);
  ASSERT_TRUE(reader->Remove("grpc://127.0.0.1:2003").ok());
  EXPECT_TRUE(reader->List()->empty());
  Status again = reader->Remove("grpc://127.0.0.1:2003");
  EXPECT_EQ(again.code(), StatusCode::kNotFound);
  EXPECT_NE(again.message().find("grpc://127.0.0.1:2003"), std::string::npos) << again.message();
}

TEST(StorageDirectoryTest, ANodeRemovedWhileRunningIsBackAtItsNextRefresh) {
  FakeClock clock;
  auto node = DirectoryOf("storage-back", &clock);
  ASSERT_TRUE(node->Join("grpc://127.0.0.1:2004", 3).ok());
  auto reader = DirectoryOf("storage-back", SystemClock::Get());
  ASSERT_TRUE(reader->Remove("grpc://127.0.0.1:2004").ok());
  clock.Advance(std::chrono::milliseconds(250));
  node->Tick();
  auto listed = reader->List();
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].weight, 3.0);
  EXPECT_TRUE((*listed)[0].alive);
}

TEST(StorageDirectoryTest, AnEntryWithABadWeightIsSkipped) {
  auto reader = DirectoryOf("storage-bad", SystemClock::Get());
  ASSERT_TRUE(reader->List()->empty());
  const std::string key = "kiln:{storage-bad}:storage:nodes";
  ASSERT_TRUE(RedisBackplaneForTests::Get().client().Run(key, {"HSET", key, "grpc://x:1", "-1"}).ok());
  ASSERT_TRUE(RedisBackplaneForTests::Get().client().Run(key, {"HSET", key, "grpc://y:1", "2"}).ok());
  auto listed = reader->List();
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].name, "grpc://y:1");
}

TEST(StorageWeightTest, OnlyPositiveFiniteNumbers) {
  EXPECT_EQ(ParseStorageWeight("2").value(), 2.0);
  EXPECT_EQ(ParseStorageWeight("0.5").value(), 0.5);
  for (const char* bad : {"", "0", "-1", "inf", "nan", "2x", "x"}) {
    EXPECT_EQ(ParseStorageWeight(bad).status().code(), StatusCode::kInvalidArgument) << bad;
  }
}

}  // namespace
}  // namespace kiln
