#include "cas/storage_ring_publisher.h"

#include <gtest/gtest.h>

namespace kiln {
namespace {

StorageRingConfig Ring(std::vector<std::string> names) {
  StorageRingConfig ring;
  for (auto& name : names) ring.nodes.push_back(RingNode{name, 1.0});
  return ring;
}

TEST(StorageRingPublisherTest, ASubscriberGetsTheCurrentRingThenEachNewOne) {
  StorageRingPublisher publisher;
  std::vector<StorageRingConfig> early, late;
  const uint64_t first = publisher.Subscribe([&](const StorageRingConfig& ring) { early.push_back(ring); });
  EXPECT_TRUE(early.empty());  // Nothing published yet.
  publisher.Publish(Ring({"a:1", "b:1"}));
  publisher.Subscribe([&](const StorageRingConfig& ring) { late.push_back(ring); });
  ASSERT_EQ(early.size(), 1u);
  ASSERT_EQ(late.size(), 1u);
  EXPECT_EQ(late[0], Ring({"a:1", "b:1"}));

  publisher.Publish(Ring({"a:1", "b:1"}));  // The same ring: nobody is told again.
  EXPECT_EQ(early.size(), 1u);
  StorageRingConfig heavier = Ring({"a:1", "b:1"});
  heavier.nodes[1].weight = 2;
  publisher.Publish(heavier);
  EXPECT_EQ(early.size(), 2u);
  EXPECT_EQ(late.back(), heavier);

  publisher.Unsubscribe(first);
  publisher.Publish(Ring({"c:1"}));
  EXPECT_EQ(early.size(), 2u);
  EXPECT_EQ(late.size(), 3u);
  EXPECT_EQ(publisher.current(), Ring({"c:1"}));
}

}  // namespace
}  // namespace kiln
