#include "worker/storage_route.h"

#include <gtest/gtest.h>

#include <map>

#include "cas/memory_blob_store.h"
#include "common/hasher.h"
#include "testing/faulty_blob_store.h"

namespace kiln {
namespace {

using testing::FaultyBlobStore;

Digest DigestOf(const std::string& data) { return ComputeDigest(DigestFunction::kSha256, data); }

// A frontend's CAS and the storage nodes its ring names, all in memory.
struct Farm {
  MemoryBlobStore frontend;
  std::map<std::string, std::shared_ptr<FaultyBlobStore>> nodes;
  FakeClock clock;

  NodeStoreFactory Factory() {
    return [this](const std::string& target) -> StatusOr<std::shared_ptr<BlobStore>> {
      if (target.starts_with("bad")) return Status::InvalidArgument("no channel to " + target);
      auto& node = nodes[target];
      if (!node) node = std::make_shared<FaultyBlobStore>();
      return std::shared_ptr<BlobStore>(node);
    };
  }
  StorageRoute Route(WorkerStorageMode mode) {
    StorageRouteOptions options;
    options.mode = mode;
    return StorageRoute(&frontend, Factory(), &clock, options);
  }
  int NodeCopiesOf(const Digest& digest) {
    int copies = 0;
    for (auto& [name, node] : nodes) copies += node->Has(digest) ? 1 : 0;
    return copies;
  }
  void WriteEverywhere(const std::string& data) {
    ASSERT_TRUE(WriteBlob(frontend, DigestOf(data), data).ok());
    for (auto& [name, node] : nodes) ASSERT_TRUE(WriteBlob(*node, DigestOf(data), data).ok());
  }
};

StorageRingConfig Ring(std::vector<std::string> names, size_t replicas = 2) {
  StorageRingConfig ring;
  ring.replicas = replicas;
  for (auto& name : names) ring.nodes.push_back(RingNode{name, 1.0});
  return ring;
}

TEST(StorageRouteTest, ParsesItsModes) {
  EXPECT_EQ(ParseWorkerStorageMode("direct").value(), WorkerStorageMode::kDirect);
  EXPECT_EQ(ParseWorkerStorageMode("frontend").value(), WorkerStorageMode::kFrontend);
  EXPECT_EQ(ParseWorkerStorageMode("nodes").status().code(), StatusCode::kInvalidArgument);
}

TEST(StorageRouteTest, UntilARingIsAnnouncedEverythingGoesThroughTheFrontend) {
  Farm farm;
  StorageRoute route = farm.Route(WorkerStorageMode::kDirect);
  EXPECT_FALSE(route.direct());
  ASSERT_TRUE(WriteBlob(*route.cas(), DigestOf("out"), "out").ok());
  EXPECT_TRUE(ContainsBlob(farm.frontend, DigestOf("out")));
}

TEST(StorageRouteTest, DirectModeReadsAndWritesTheAnnouncedNodes) {
  Farm farm;
  StorageRoute route = farm.Route(WorkerStorageMode::kDirect);
  ASSERT_TRUE(route.RingAnnounced(Ring({"n1:1", "n2:1", "n3:1"})).ok());
  EXPECT_TRUE(route.direct());
  farm.WriteEverywhere("input");
  EXPECT_EQ(ReadBlob(*route.cas(), DigestOf("input")).value(), "input");
  ASSERT_TRUE(WriteBlob(*route.cas(), DigestOf("output"), "output").ok());
  EXPECT_EQ(farm.NodeCopiesOf(DigestOf("output")), 2);  // The ring's replication.
  EXPECT_FALSE(ContainsBlob(farm.frontend, DigestOf("output")));
  EXPECT_EQ(route.store().fallback_calls(), 0u);
}

TEST(StorageRouteTest, FrontendModeIgnoresTheRing) {
  Farm farm;
  StorageRoute route = farm.Route(WorkerStorageMode::kFrontend);
  ASSERT_TRUE(route.RingAnnounced(Ring({"n1:1", "n2:1"})).ok());
  EXPECT_FALSE(route.direct());
  EXPECT_TRUE(farm.nodes.empty());  // Not even a channel was made.
  ASSERT_TRUE(WriteBlob(*route.cas(), DigestOf("out"), "out").ok());
  EXPECT_TRUE(ContainsBlob(farm.frontend, DigestOf("out")));
}

TEST(StorageRouteTest, AnotherFrontendIsUsedThroughItselfUntilItAnnouncesARing) {
  Farm farm;
  StorageRoute route = farm.Route(WorkerStorageMode::kDirect);
  ASSERT_TRUE(route.RingAnnounced(Ring({"n1:1", "n2:1"})).ok());
  route.FrontendChanged();  // E.g. one with its own disk CAS, which announces nothing.
  EXPECT_FALSE(route.direct());
  ASSERT_TRUE(WriteBlob(*route.cas(), DigestOf("out"), "out").ok());
  EXPECT_TRUE(ContainsBlob(farm.frontend, DigestOf("out")));
  EXPECT_EQ(farm.NodeCopiesOf(DigestOf("out")), 0);
}

TEST(StorageRouteTest, NodesThatCannotServeLeaveTheWorkToTheFrontend) {
  Farm farm;
  StorageRoute route = farm.Route(WorkerStorageMode::kDirect);
  ASSERT_TRUE(route.RingAnnounced(Ring({"n1:1", "n2:1"})).ok());
  farm.WriteEverywhere("input");
  for (auto& [name, node] : farm.nodes) node->set_mode(FaultyBlobStore::Mode::kRefuse);
  EXPECT_EQ(ReadBlob(*route.cas(), DigestOf("input")).value(), "input");
  ASSERT_TRUE(WriteBlob(*route.cas(), DigestOf("output"), "output").ok());
  EXPECT_TRUE(ContainsBlob(farm.frontend, DigestOf("output")));
  EXPECT_GE(route.store().fallback_calls(), 2u);
}

TEST(StorageRouteTest, ARingTheWorkerCannotBuildLeavesItOnTheFrontend) {
  Farm farm;
  StorageRoute route = farm.Route(WorkerStorageMode::kDirect);
  ASSERT_TRUE(route.RingAnnounced(Ring({"n1:1", "n2:1"})).ok());
  EXPECT_FALSE(route.RingAnnounced(Ring({"n1:1", "bad:1"})).ok());
  EXPECT_FALSE(route.direct());
  ASSERT_TRUE(route.RingAnnounced(Ring({"n1:1", "n3:1"})).ok());
  EXPECT_TRUE(route.direct());
}

}  // namespace
}  // namespace kiln
