#include "cas/replicated_ring_builder.h"

#include <gtest/gtest.h>

#include "cas/memory_blob_store.h"
#include "common/hasher.h"

namespace kiln {
namespace {

Digest DigestOf(const std::string& data) { return ComputeDigest(DigestFunction::kSha256, data); }

// Node stores in memory, by name, counting how many were made.
struct Nodes {
  std::map<std::string, std::shared_ptr<MemoryBlobStore>> stores;
  int made = 0;
  NodeStoreFactory Factory() {
    return [this](const std::string& target) -> StatusOr<std::shared_ptr<BlobStore>> {
      if (target == "unreachable") return Status::InvalidArgument("cannot make a channel to it");
      ++made;
      auto& store = stores[target];
      if (!store) store = std::make_shared<MemoryBlobStore>();
      return std::shared_ptr<BlobStore>(store);
    };
  }
  int CopiesOf(const Digest& digest) {
    int copies = 0;
    for (auto& [name, store] : stores) copies += ContainsBlob(*store, digest) ? 1 : 0;
    return copies;
  }
};

StorageRingConfig Ring(size_t replicas, std::vector<std::string> names) {
  StorageRingConfig ring;
  ring.replicas = replicas;
  for (auto& name : names) ring.nodes.push_back(RingNode{name, 1.0});
  return ring;
}

TEST(ReplicatedRingBuilderTest, TheRingKeepsItsCopiesOnItsNodes) {
  Nodes nodes;
  ReplicatedRingBuilder builder(nodes.Factory(), ReplicatedBlobStoreOptions());
  auto store = builder.Build(Ring(2, {"a:1", "b:1", "c:1"}));
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  ASSERT_TRUE(WriteBlob(**store, DigestOf("blob"), "blob").ok());
  EXPECT_EQ(nodes.CopiesOf(DigestOf("blob")), 2);
  EXPECT_EQ(ReadBlob(**store, DigestOf("blob")).value(), "blob");
}

TEST(ReplicatedRingBuilderTest, TwoBuildersOfOneRingPlaceBlobsAlike) {
  // A frontend and its worker: separate node stores (channels), the same owners.
  Nodes frontend_nodes;
  ReplicatedRingBuilder frontend(frontend_nodes.Factory(), ReplicatedBlobStoreOptions());
  ReplicatedRingBuilder worker(frontend_nodes.Factory(), ReplicatedBlobStoreOptions());
  const StorageRingConfig ring = Ring(1, {"a:1", "b:1", "c:1", "d:1"});
  auto written = frontend.Build(ring);
  auto read = worker.Build(ring);
  ASSERT_TRUE(written.ok() && read.ok());
  for (int i = 0; i < 20; ++i) {
    const std::string data = "blob " + std::to_string(i);
    ASSERT_TRUE(WriteBlob(**written, DigestOf(data), data).ok());
    EXPECT_EQ(frontend_nodes.CopiesOf(DigestOf(data)), 1);
    EXPECT_EQ(ReadBlob(**read, DigestOf(data)).value(), data);
  }
}

TEST(ReplicatedRingBuilderTest, ANodeStoreIsMadeOnceWhileItStaysInTheRing) {
  Nodes nodes;
  ReplicatedRingBuilder builder(nodes.Factory(), ReplicatedBlobStoreOptions());
  ASSERT_TRUE(builder.Build(Ring(2, {"a:1", "b:1"})).ok());
  EXPECT_EQ(nodes.made, 2);
  ASSERT_TRUE(builder.Build(Ring(2, {"a:1", "b:1", "c:1"})).ok());
  EXPECT_EQ(nodes.made, 3);
}

TEST(ReplicatedRingBuilderTest, ARingThatCannotBeBuiltSaysWhy) {
  Nodes nodes;
  ReplicatedRingBuilder builder(nodes.Factory(), ReplicatedBlobStoreOptions());
  EXPECT_EQ(builder.Build(Ring(2, {})).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(builder.Build(Ring(0, {"a:1"})).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(builder.Build(Ring(1, {"a:1", "a:1"})).status().code(), StatusCode::kInvalidArgument);
  auto unreachable = builder.Build(Ring(1, {"a:1", "unreachable"}));
  EXPECT_NE(unreachable.status().message().find("unreachable"), std::string::npos);
}

}  // namespace
}  // namespace kiln
