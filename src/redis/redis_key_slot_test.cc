#include "redis/redis_key_slot.h"

#include <gtest/gtest.h>

namespace kiln::redis {
namespace {

TEST(RedisKeySlotTest, Crc16IsXmodem) {
  // The check value of CRC16/XMODEM, given in the Redis Cluster specification.
  EXPECT_EQ(Crc16("123456789"), 0x31C3);
  EXPECT_EQ(Crc16(""), 0);
}

TEST(RedisKeySlotTest, MatchesRedisClusterKeyslot) {
  // Answers of CLUSTER KEYSLOT (redis_cluster_test.cc compares more with a live cluster).
  EXPECT_EQ(KeySlot("foo"), 12182);
  EXPECT_EQ(KeySlot("bar"), 5061);
  EXPECT_EQ(KeySlot("somekey"), 11058);
  EXPECT_EQ(KeySlot("hello"), 866);
}

TEST(RedisKeySlotTest, HashesOnlyTheFirstNonEmptyTag) {
  EXPECT_EQ(KeySlot("{user1000}.following"), KeySlot("user1000"));
  EXPECT_EQ(KeySlot("{user1000}.followers"), KeySlot("user1000"));
  EXPECT_EQ(KeySlot("foo{bar}{zap}"), KeySlot("bar"));
  EXPECT_EQ(KeySlot("foo{{bar}}zap"), KeySlot("{bar"));
  // An empty tag, or no closing brace: the whole key.
  EXPECT_EQ(KeySlot("foo{}{bar}"), Crc16("foo{}{bar}") % kClusterSlots);
  EXPECT_EQ(KeySlot("foo{bar"), Crc16("foo{bar") % kClusterSlots);
  EXPECT_EQ(KeySlot(""), 0);
}

}  // namespace
}  // namespace kiln::redis
