// A farm whose CAS is the storage ring of its backplane, as real processes: storage nodes
// started with --backplane join the ring, and frontends started with --backplane and no --cas
// follow it. Every blob written through one frontend is on two nodes and reads back through
// the other; a node that joins later gets its share of new writes, without any frontend
// being restarted; and after kill -9 of a node every blob still reads back.
#include "admin_cli.h"
#include "backplane/redis_hint_list.h"
#include "redis/redis_client.h"
#include "storage_node_copies.h"
#include "test_util.h"
#include "testing/eventually.h"
#include "testing/redis_server_process.h"

namespace kiln_test {
namespace {

constexpr int kFirstNodes = 3;

class StorageRingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto redis = kiln::testing::RedisServerProcess::Start();
    ASSERT_TRUE(redis.ok()) << redis.status().ToString();
    redis_ = std::move(redis).value();
    for (int i = 0; i < kFirstNodes; ++i) {
      nodes_.push_back(StartNode(i, "1"));
      ASSERT_TRUE(nodes_.back());
    }
    std::string error;
    for (TempDir* dir : {&a_dir_, &b_dir_}) {
      frontends_.push_back(KilnProcess::Start(
          dir->path(), {"--backplane", redis_->url(), "--replication", "2", "--workers", "0"}, &error));
      ASSERT_TRUE(frontends_.back()) << error;
    }
  }
  void TearDown() override {
    for (auto& frontend : frontends_) {
      if (frontend && frontend->running()) EXPECT_EQ(frontend->Stop(), 0) << frontend->stdout_text();
    }
    for (auto& node : nodes_) {
      if (node && node->running()) EXPECT_EQ(node->Stop(), 0) << node->stdout_text();
    }
  }

  // `address`: where it listens, which is its name in the ring (default: a free port).
  std::unique_ptr<KilnProcess> StartNode(int index, const std::string& weight, const std::string& address = "") {
    std::string error;
    std::vector<std::string> flags = {"--role", "storage", "--backplane", redis_->url(), "--storage-weight", weight};
    if (!address.empty()) flags.insert(flags.end(), {"--listen", address});
    auto node = KilnProcess::Start(node_dirs_[index].path(), flags, &error);
    EXPECT_TRUE(node) << error;
    return node;
  }
  int Copies(const std::string& data) { return CopiesOnNodes(nodes_, data); }
  static ::testing::AssertionResult ReadsBack(KilnProcess& frontend, const std::vector<std::string>& blobs) {
    reapi::BatchReadBlobsRequest request;
    for (const std::string& data : blobs) *request.add_digests() = ProtoDigestOf(data);
    reapi::BatchReadBlobsResponse response;
    grpc::Status status = BatchRead(frontend.cas(), request, &response);
    if (!status.ok()) return ::testing::AssertionFailure() << "BatchReadBlobs: " << Describe(status);
    for (int i = 0; i < response.responses_size(); ++i) {
      if (response.responses(i).status().code() != 0) {
        return ::testing::AssertionFailure() << "blob " << i << ": " << Describe(response.responses(i).status());
      }
      if (response.responses(i).data() != blobs[i]) return ::testing::AssertionFailure() << "blob " << i << " differs";
    }
    return ::testing::AssertionSuccess();
  }

  std::unique_ptr<kiln::testing::RedisServerProcess> redis_;
  TempDir node_dirs_[kFirstNodes + 1], a_dir_, b_dir_;
  std::vector<std::unique_ptr<KilnProcess>> nodes_, frontends_;
};

TEST_F(StorageRingTest, FrontendsFollowTheNodesThatJoinTheBackplane) {
  std::vector<std::string> blobs;
  for (int i = 0; i < 60; ++i) blobs.push_back(PseudoRandomBytes(500 + i * 31, 300 + i));
  ASSERT_TRUE(BatchUpload(frontends_[0]->cas(), "", blobs));
  for (const std::string& data : blobs) ASSERT_EQ(Copies(data), 2);
  EXPECT_TRUE(ReadsBack(*frontends_[1], blobs));

  // A fourth node with twice the weight joins: new writes reach it once the frontends have
  // read the ring again (every 2 s), with no restart.
  nodes_.push_back(StartNode(kFirstNodes, "2"));
  ASSERT_TRUE(nodes_.back());
  bool reached = false;
  for (int round = 0; round < 40 && !reached; ++round) {
    std::vector<std::string> more;
    for (int i = 0; i < 10; ++i) more.push_back(PseudoRandomBytes(700 + i, 10'000 + round * 10 + i));
    ASSERT_TRUE(BatchUpload(frontends_[round % 2]->cas(), "", more));
    for (const std::string& data : more) {
      // At least 2: a write through a frontend still on the old ring, then moved to its new
      // owner by the repair pass's rebalancing (which leaves the surplus copy), has 3.
      EXPECT_GE(Copies(data), 2);
      reached = reached || NodeHolds(*nodes_.back(), data);
      blobs.push_back(data);
    }
    if (!reached) std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  EXPECT_TRUE(reached) << "no write reached the node that joined";
  // What was written before it joined still reads back (from the nodes that hold it).
  EXPECT_TRUE(ReadsBack(*frontends_[0], blobs));

  nodes_[0]->Kill9();
  EXPECT_TRUE(ReadsBack(*frontends_[1], blobs)) << "one node down, every blob has another copy";
}

TEST_F(StorageRingTest, AdminShowsTheRingAndRemovesOnlyANodeThatIsDown) {
  const std::string frontend = frontends_[0]->address();
  std::string out;
  ASSERT_EQ(Admin(frontend, {"storage", "status"}, &out), 0) << out;
  for (auto& node : nodes_) EXPECT_NE(out.find(node->address()), std::string::npos) << out;
  EXPECT_NE(out.find("3 storage node(s)"), std::string::npos) << out;
  EXPECT_NE(out.find("alive"), std::string::npos) << out;

  const std::string name = "grpc://" + nodes_[2]->address();
  EXPECT_EQ(Admin(frontend, {"storage", "remove", name}, &out), 1) << "an alive node joins again: refused";
  ASSERT_EQ(nodes_[2]->Stop(), 0);  // Stopped cleanly: down at once, and still a member.
  ASSERT_EQ(Admin(frontend, {"storage", "status"}, &out), 0) << out;
  EXPECT_NE(out.find("down"), std::string::npos) << out;
  ASSERT_EQ(Admin(frontend, {"storage", "remove", name}, &out), 0) << out;
  ASSERT_EQ(Admin(frontend, {"storage", "status", "--json"}, &out), 0) << out;
  EXPECT_EQ(out.find(nodes_[2]->address()), std::string::npos) << out;
  EXPECT_EQ(Admin(frontend, {"storage", "remove", name}, &out), 1) << "not a member any more";
}

// Writes whose owner was down leave hints in the backplane, and those outlive the frontend
// that wrote them: another frontend hands the copies off when the owner is back.
TEST_F(StorageRingTest, HintsOutliveTheFrontendThatWroteThem) {
  kiln::redis::RedisAddress address;
  address.seeds.push_back(redis_->endpoint());
  auto client = kiln::redis::ConnectRedis(address, {});
  ASSERT_TRUE(client.ok());
  kiln::RedisHintList hints(client->get(), "kiln", 1000);

  const std::string stopped_address = nodes_[2]->address();
  ASSERT_EQ(nodes_[2]->Stop(), 0);
  std::vector<std::string> blobs;
  for (int i = 0; i < 40; ++i) blobs.push_back(PseudoRandomBytes(600 + i, 50'000 + i));
  ASSERT_TRUE(BatchUpload(frontends_[0]->cas(), "", blobs));
  for (const std::string& data : blobs) EXPECT_EQ(Copies(data), 2);  // On the two live nodes.
  const int64_t listed = hints.Size();
  EXPECT_GT(listed, 0) << "no write was hinted while a node was down";
  EXPECT_EQ(frontends_[0]->Stop(), 0);  // Its memory is gone; the hints are in Redis.

  nodes_[2] = StartNode(2, "1", stopped_address);  // The same node again: same address, same name.
  ASSERT_TRUE(nodes_[2]);
  // B's handoff pass (every 30 s) copies them to their owner, which then holds them too (the
  // node that stood in keeps its copy), and clears the list.
  const auto handed_off = [&] {
    int handed = 0;
    for (const std::string& data : blobs) handed += Copies(data) == 3 ? 1 : 0;
    return handed;
  };
  EXPECT_TRUE(kiln::Eventually([&] { return handed_off() == listed && hints.Size() == 0; },
                               std::chrono::seconds(90)))
      << handed_off() << " of " << listed << " hinted blobs handed off; " << hints.Size() << " hints left";
}

TEST_F(StorageRingTest, AFrontendWithNoNodeInItsRingSaysSo) {
  std::string error;
  TempDir dir;
  auto lonely = KilnProcess::Start(
      dir.path(), {"--backplane", redis_->url() , "--backplane-namespace", "empty", "--workers", "0"}, &error);
  ASSERT_TRUE(lonely) << error;
  std::vector<reapi::Digest> missing;
  grpc::Status status = FindMissing(lonely->cas(), "", {ProtoDigestOf("anything")}, &missing);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_NE(status.error_message().find("no storage node has joined"), std::string::npos) << Describe(status);
  EXPECT_EQ(lonely->Stop(), 0);
}

}  // namespace
}  // namespace kiln_test
