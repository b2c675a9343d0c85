#include "worker/storage_ring_message.h"

#include <gtest/gtest.h>

#include <limits>

namespace kiln {
namespace {

TEST(StorageRingMessageTest, ARingCrossesTheStreamUnchanged) {
  StorageRingConfig ring;
  ring.replicas = 3;
  ring.nodes = {{"grpcs://storage-1:8980", 1.0}, {"storage-2:8980", 2.5}, {"grpc://127.0.0.1:9000", 0.25}};
  const auto message = StorageRingMessage(ring);
  EXPECT_EQ(message.replication(), 3u);
  ASSERT_EQ(message.nodes_size(), 3);
  EXPECT_EQ(message.nodes(1).target(), "storage-2:8980");
  EXPECT_EQ(message.nodes(1).weight(), 2.5);
  // Also through the wire format, as a worker receives it.
  ::kiln::worker::v1::StorageRing parsed;
  ASSERT_TRUE(parsed.ParseFromString(message.SerializeAsString()));
  auto back = StorageRingFromMessage(parsed);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, ring);
}

TEST(StorageRingMessageTest, ARingPlacementWouldRefuseIsRefused) {
  auto invalid = [](auto edit) {
    StorageRingConfig ring;
    ring.replicas = 2;
    ring.nodes = {{"a:1", 1.0}, {"b:1", 1.0}};
    auto message = StorageRingMessage(ring);
    edit(message);
    return StorageRingFromMessage(message).status().code() == StatusCode::kInvalidArgument;
  };
  EXPECT_TRUE(invalid([](auto& m) { m.set_replication(0); }));
  EXPECT_TRUE(invalid([](auto& m) { m.clear_nodes(); }));
  EXPECT_TRUE(invalid([](auto& m) { m.mutable_nodes(0)->set_target(""); }));
  EXPECT_TRUE(invalid([](auto& m) { m.mutable_nodes(1)->set_target("a:1"); }));
  EXPECT_TRUE(invalid([](auto& m) { m.mutable_nodes(0)->set_weight(0); }));
  EXPECT_TRUE(invalid([](auto& m) { m.mutable_nodes(0)->set_weight(-1); }));
  EXPECT_TRUE(invalid([](auto& m) { m.mutable_nodes(0)->set_weight(std::numeric_limits<double>::infinity()); }));
  EXPECT_TRUE(invalid([](auto& m) { m.mutable_nodes(0)->set_weight(std::numeric_limits<double>::quiet_NaN()); }));
  EXPECT_FALSE(invalid([](auto&) {}));
}

}  // namespace
}  // namespace kiln
