// A frontend's CAS spread over three storage nodes with two copies of each blob (kiln serve
// --cas A,B,C --replication 2), as real processes: every blob written is on exactly two
// nodes when the write is acknowledged, and after kill -9 of one node every blob still
// reads back intact, through a frontend that has cached none of them, and new writes still
// get two copies; with two of the three nodes dead, a write fails rather than keep one copy.
#include <algorithm>

#include "storage_node_copies.h"
#include "test_util.h"
#include "testing/redis_server_process.h"

namespace kiln_test {
namespace {

class ReplicatedCasTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto redis = kiln::testing::RedisServerProcess::Start();
    ASSERT_TRUE(redis.ok()) << redis.status().ToString();
    redis_ = std::move(redis).value();
    std::string error;
    for (int i = 0; i < 3; ++i) {
      nodes_[i] = KilnProcess::Start(node_dirs_[i].path(), {"--role", "storage"}, &error);
      ASSERT_TRUE(nodes_[i]) << error;
      ring_ += (i == 0 ? "" : ",") + std::string("grpc://") + nodes_[i]->address();
    }
    a_ = StartFrontend(a_dir_);
    b_ = StartFrontend(b_dir_);
    ASSERT_TRUE(a_ && b_);
  }

  void TearDown() override {
    for (KilnProcess* process : {a_.get(), b_.get(), nodes_[0].get(), nodes_[1].get(), nodes_[2].get()}) {
      if (process && process->running()) EXPECT_EQ(process->Stop(), 0) << process->stdout_text();
    }
  }

  std::unique_ptr<KilnProcess> StartFrontend(const TempDir& dir) {
    std::string error;
    auto frontend = KilnProcess::Start(dir.path(),
                                       {"--cas", ring_, "--replication", "2", "--backplane", redis_->url(),
                                        "--action-cache", "redis", "--workers", "0"},
                                       &error);
    EXPECT_TRUE(frontend) << error;
    return frontend;
  }

  int Copies(const std::string& data) { return CopiesOnNodes(nodes_, data); }

  static ::testing::AssertionResult ReadsBackIntact(KilnProcess& frontend, const std::vector<std::string>& small,
                                                    const std::vector<std::string>& large) {
    reapi::BatchReadBlobsRequest request;
    for (const std::string& data : small) *request.add_digests() = ProtoDigestOf(data);
    reapi::BatchReadBlobsResponse response;
    grpc::Status status = BatchRead(frontend.cas(), request, &response);
    if (!status.ok()) return ::testing::AssertionFailure() << "BatchReadBlobs: " << Describe(status);
    for (int i = 0; i < response.responses_size(); ++i) {
      const auto& item = response.responses(i);
      if (item.status().code() != 0) {
        return ::testing::AssertionFailure() << "blob " << i << ": " << Describe(item.status());
      }
      if (item.data() != small[i]) return ::testing::AssertionFailure() << "blob " << i << " differs";
    }
    for (const std::string& data : large) {
      std::string read;
      status = ByteStreamRead(frontend.bytestream(), ReadName("", data), &read);
      if (!status.ok()) return ::testing::AssertionFailure() << "ByteStream Read: " << Describe(status);
      if (read != data) return ::testing::AssertionFailure() << "a large blob differs";
    }
    std::vector<reapi::Digest> digests, missing;
    for (const auto* list : {&small, &large}) {
      for (const std::string& data : *list) digests.push_back(ProtoDigestOf(data));
    }
    status = FindMissing(frontend.cas(), "", digests, &missing);
    if (!status.ok()) return ::testing::AssertionFailure() << "FindMissingBlobs: " << Describe(status);
    if (!missing.empty()) return ::testing::AssertionFailure() << missing.size() << " blobs reported missing";
    return ::testing::AssertionSuccess();
  }

  std::unique_ptr<kiln::testing::RedisServerProcess> redis_;
  TempDir node_dirs_[3], a_dir_, b_dir_;
  std::unique_ptr<KilnProcess> nodes_[3], a_, b_;
  std::string ring_;
};

TEST_F(ReplicatedCasTest, EveryBlobHasTwoCopiesAndSurvivesTheLossOfANode) {
  std::vector<std::string> small, large;
  for (int i = 0; i < 200; ++i) small.push_back(PseudoRandomBytes(1000 + i * 37, 100 + i));
  for (int i = 0; i < 3; ++i) large.push_back(PseudoRandomBytes(3 * 1024 * 1024 + i * 1001, 900 + i));
  ASSERT_TRUE(BatchUpload(a_->cas(), "", small));
  for (const std::string& data : large) {
    int64_t committed = 0;
    grpc::Status status = ByteStreamWrite(a_->bytestream(), WriteName("", data), data, 256 * 1024, &committed);
    ASSERT_TRUE(status.ok()) << Describe(status);
  }
  // Two copies of each, spread over all three nodes.
  std::vector<int> per_node(3, 0);
  for (const auto* list : {&small, &large}) {
    for (const std::string& data : *list) ASSERT_EQ(Copies(data), 2);
  }
  for (int i = 0; i < 3; ++i) {
    std::vector<reapi::Digest> digests, missing;
    for (const std::string& data : small) digests.push_back(ProtoDigestOf(data));
    ASSERT_TRUE(FindMissing(nodes_[i]->cas(), "", digests, &missing).ok());
    per_node[i] = static_cast<int>(small.size() - missing.size());
  }
  for (int count : per_node) EXPECT_GT(count, 80) << "placement is lopsided";

  nodes_[1]->Kill9();
  EXPECT_TRUE(ReadsBackIntact(*b_, small, large));  // B has cached none of them.
  EXPECT_TRUE(ReadsBackIntact(*a_, small, large));

  // Writes go on, with two copies on the two nodes left.
  const std::string after = PseudoRandomBytes(5000, 7777);
  ASSERT_TRUE(BatchUpload(b_->cas(), "", {after}));
  EXPECT_EQ(Copies(after), 2);
}

TEST_F(ReplicatedCasTest, WritesFailRatherThanKeepOneCopy) {
  nodes_[0]->Kill9();
  nodes_[2]->Kill9();
  const std::string data = PseudoRandomBytes(5000, 4242);
  reapi::BatchUpdateBlobsRequest request;
  auto* item = request.add_requests();
  *item->mutable_digest() = ProtoDigestOf(data);
  item->set_data(data);
  reapi::BatchUpdateBlobsResponse response;
  grpc::ClientContext context;
  SetDeadline(&context);
  grpc::Status status = a_->cas().BatchUpdateBlobs(&context, request, &response);
  if (status.ok()) {
    ASSERT_EQ(response.responses_size(), 1);
    EXPECT_EQ(response.responses(0).status().code(), grpc::StatusCode::UNAVAILABLE)
        << Describe(response.responses(0).status());
  } else {
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << Describe(status);
  }
}

}  // namespace
}  // namespace kiln_test
