#include "cas/replica_nodes.h"

#include <gtest/gtest.h>

#include <chrono>

#include "testing/eventually.h"
#include "testing/faulty_blob_store.h"

namespace kiln {
namespace {

using testing::FaultyBlobStore;
using std::chrono::milliseconds;

Status Lookup(BlobStore& store) { return store.FindMissingOrError({}).status(); }

class ReplicaNodesTest : public ::testing::Test {
 protected:
  ReplicaNodesTest() {
    auto ring = RendezvousRing::Create({{"node-a", 1.0}, {"node-b", 1.0}});
    ReplicaNodeLimits limits;
    limits.max_stuck_calls_per_node = 2;
    nodes_ = std::make_unique<ReplicaNodes>(std::move(ring).value(), std::vector<BlobStore*>{&a_, &b_}, limits);
  }
  ~ReplicaNodesTest() override {
    a_.set_mode(FaultyBlobStore::Mode::kHealthy);
    nodes_.reset();
  }

  FaultyBlobStore a_, b_;
  std::unique_ptr<ReplicaNodes> nodes_;
};

TEST_F(ReplicaNodesTest, ErrorsNameTheNode) {
  b_.set_mode(FaultyBlobStore::Mode::kRefuse);
  Status status = nodes_->RunOne(1, Lookup, milliseconds(500));
  EXPECT_EQ(status.code(), StatusCode::kUnavailable);
  EXPECT_NE(status.message().find("storage node node-b"), std::string::npos) << status.message();
}

TEST_F(ReplicaNodesTest, AHangingNodeIsRefusedAtOnceOnceItsCallsAreStuck) {
  a_.set_mode(FaultyBlobStore::Mode::kHang);
  for (int i = 0; i < 2; ++i) {
    Status status = nodes_->RunOne(0, Lookup, milliseconds(50));
    EXPECT_EQ(status.code(), StatusCode::kDeadlineExceeded) << status.ToString();
    EXPECT_NE(status.message().find("node-a did not answer within 50 ms"), std::string::npos) << status.message();
  }
  EXPECT_EQ(nodes_->stuck(0), 2);
  const auto start = std::chrono::steady_clock::now();
  Status refused = nodes_->RunOne(0, Lookup, std::chrono::seconds(10));
  EXPECT_EQ(refused.code(), StatusCode::kUnavailable) << refused.ToString();
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(500));
  // The other node is not held up.
  EXPECT_TRUE(nodes_->RunOne(1, Lookup, milliseconds(500)).ok());
  // Once the stuck calls return, the node is called again.
  a_.set_mode(FaultyBlobStore::Mode::kHealthy);
  EXPECT_TRUE(Eventually([&] { return nodes_->stuck(0) == 0; }));
  EXPECT_TRUE(nodes_->RunOne(0, Lookup, milliseconds(500)).ok());
}

TEST_F(ReplicaNodesTest, CallsRunAtOnceOnDifferentNodes) {
  a_.set_mode(FaultyBlobStore::Mode::kHang);
  std::vector<NodeCall> calls;
  calls.push_back({0, Lookup});
  calls.push_back({1, Lookup});
  const auto start = std::chrono::steady_clock::now();
  std::vector<Status> results = nodes_->Run(std::move(calls), milliseconds(100));
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(1000));
  EXPECT_EQ(results[0].code(), StatusCode::kDeadlineExceeded);
  EXPECT_TRUE(results[1].ok()) << results[1].ToString();
}

}  // namespace
}  // namespace kiln
