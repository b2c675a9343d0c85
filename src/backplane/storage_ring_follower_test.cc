#include "backplane/storage_ring_follower.h"

#include <gtest/gtest.h>

#include <map>

#include "cas/memory_blob_store.h"
#include "common/hasher.h"
#include "testing/redis_backplane_for_tests.h"

namespace kiln {
namespace {

using testing_support::RedisBackplaneForTests;

Digest DigestOf(const std::string& data) { return ComputeDigest(DigestFunction::kSha256, data); }

class StorageRingFollowerTest : public ::testing::Test {
 protected:
  explicit StorageRingFollowerTest() {
    StorageDirectoryOptions options;
    options.key_namespace = "ring-" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name());
    directory_ = std::make_unique<StorageDirectory>(&RedisBackplaneForTests::Get().client(), SystemClock::Get(), options);
    NodeStoreFactory factory = [this](const std::string& target) -> StatusOr<std::shared_ptr<BlobStore>> {
      ++made_[target];
      auto& node = nodes_[target];
      if (!node) node = std::make_shared<MemoryBlobStore>();
      return std::shared_ptr<BlobStore>(node);
    };
    StorageRingFollowerOptions follower_options;
    follower_options.replicated.replicas = 2;
    follower_options.on_change = [this](const StorageRingConfig& ring) { announced_.push_back(ring); };
    follower_ = std::make_unique<StorageRingFollower>(directory_.get(), factory, SystemClock::Get(),
                                                      follower_options, &cas_);
  }
  // How many nodes hold `digest`.
  int Copies(const Digest& digest) {
    int copies = 0;
    for (auto& [name, node] : nodes_) copies += ContainsBlob(*node, digest) ? 1 : 0;
    return copies;
  }

  std::unique_ptr<StorageDirectory> directory_;
  std::map<std::string, std::shared_ptr<MemoryBlobStore>> nodes_;
  std::map<std::string, int> made_;
  std::vector<StorageRingConfig> announced_;  // What on_change was told (for the workers).
  SwappableBlobStore cas_{Status::Unavailable("no ring")};
  std::unique_ptr<StorageRingFollower> follower_;
};

TEST_F(StorageRingFollowerTest, NoNodeYetLeavesTheCasUnavailable) {
  Status refreshed = follower_->Refresh();
  EXPECT_EQ(refreshed.code(), StatusCode::kUnavailable);
  EXPECT_NE(refreshed.message().find("no storage node"), std::string::npos) << refreshed.message();
  EXPECT_EQ(cas_.OpenRead(DigestOf("x"), 0).status().message(), "no ring");
}

TEST_F(StorageRingFollowerTest, TheCasFollowsTheNodesAsTheyJoinAndLeave) {
  ASSERT_TRUE(directory_->Join("grpc://a:1", 1).ok());
  ASSERT_TRUE(directory_->Join("grpc://b:1", 1).ok());
  ASSERT_TRUE(follower_->Refresh().ok());
  EXPECT_EQ(follower_->members().size(), 2u);
  ASSERT_TRUE(WriteBlob(cas_, DigestOf("first"), "first").ok());
  EXPECT_EQ(Copies(DigestOf("first")), 2);

  ASSERT_TRUE(directory_->Join("grpc://c:1", 1).ok());
  ASSERT_TRUE(follower_->Refresh().ok());
  EXPECT_EQ(follower_->members().size(), 3u);
  // Blobs written before the change are still found (on the nodes that hold them).
  EXPECT_EQ(ReadBlob(cas_, DigestOf("first")).value(), "first");
  for (int i = 0; i < 20; ++i) {
    const std::string data = "blob " + std::to_string(i);
    ASSERT_TRUE(WriteBlob(cas_, DigestOf(data), data).ok());
    EXPECT_EQ(Copies(DigestOf(data)), 2) << data;
  }
  EXPECT_TRUE(nodes_.count("grpc://c:1")) << "the new node got its share";
  // Each node's store was made once, however many rings it was in.
  for (const auto& [name, count] : made_) EXPECT_EQ(count, 1) << name;

  ASSERT_TRUE(directory_->Remove("grpc://a:1").ok());
  ASSERT_TRUE(follower_->Refresh().ok());
  EXPECT_EQ(follower_->members().size(), 2u);
  const std::string late = "after a left";
  ASSERT_TRUE(WriteBlob(cas_, DigestOf(late), late).ok());
  EXPECT_FALSE(ContainsBlob(*nodes_["grpc://a:1"], DigestOf(late)));
}

TEST_F(StorageRingFollowerTest, AnUnchangedRingIsKept) {
  ASSERT_TRUE(directory_->Join("grpc://a:1", 1).ok());
  ASSERT_TRUE(follower_->Refresh().ok());
  std::shared_ptr<BlobStore> ring = cas_.current();
  ASSERT_TRUE(follower_->Refresh().ok());
  EXPECT_EQ(cas_.current(), ring);
  EXPECT_EQ(announced_.size(), 1u);
  ASSERT_TRUE(directory_->Join("grpc://a:1", 2).ok());  // A new weight is a new ring.
  ASSERT_TRUE(follower_->Refresh().ok());
  EXPECT_NE(cas_.current(), ring);
  ASSERT_EQ(announced_.size(), 2u);
  StorageRingConfig expected;
  expected.replicas = 2;
  expected.nodes = {RingNode{"grpc://a:1", 2}};
  EXPECT_EQ(announced_.back(), expected);
}

}  // namespace
}  // namespace kiln
