// StorageNode.ListBlobs on a real storage node: the pages list what the node holds, once each,
// with its totals; the call needs `admin` (cas-read is not enough: a listing reveals every
// instance's blobs); and only storage nodes serve it.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <set>

#include "client/client_channel.h"
#include "common/hasher.h"
#include "kiln/storage/v1/storage_node.grpc.pb.h"
#include "test_util.h"

namespace kiln_test {
namespace {

namespace storage = kiln::storage::v1;

std::string Sha256Hex(const std::string& text) {
  return kiln::ComputeDigest(kiln::DigestFunction::kSha256, text).hash();
}

class StorageNodeListingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string auth_file = dir_.path() + "/auth.json";
    std::ofstream(auth_file) << R"({"principals": [
      {"name": "reader", "token_sha256": [")" + Sha256Hex("reader-token") + R"("],
       "grants": [{"permissions": ["cas-read", "cas-write"]}]},
      {"name": "frontend", "token_sha256": [")" + Sha256Hex("frontend-token") + R"("],
       "grants": [{"permissions": ["cas-read", "cas-write", "admin"]}]}],
     "anonymous": {"grants": []}})";
    ASSERT_EQ(::chmod(auth_file.c_str(), 0600), 0);
    std::string error;
    node_ = KilnProcess::Start(data_dir_.path(), {"--role", "storage", "--auth-file", auth_file}, &error);
    ASSERT_TRUE(node_) << error;
  }
  std::shared_ptr<grpc::Channel> ChannelWithToken(const std::string& token) {
    const std::string path = dir_.path() + "/" + token;
    std::ofstream(path) << token << "\n";
    EXPECT_EQ(::chmod(path.c_str(), 0600), 0);
    kiln::ClientConnectionOptions options;
    options.target = "grpc://" + node_->address();
    options.token_file = path;
    auto factory = kiln::ClientChannelFactory::Create(options);
    EXPECT_TRUE(factory.ok()) << factory.status().ToString();
    return (*factory)->NewChannel();
  }
  static grpc::Status List(const std::shared_ptr<grpc::Channel>& channel, const std::string& token, int size,
                           storage::ListBlobsResponse* response) {
    grpc::ClientContext context;
    storage::ListBlobsRequest request;
    request.set_page_token(token);
    request.set_page_size(size);
    return storage::StorageNode::NewStub(channel)->ListBlobs(&context, request, response);
  }

  TempDir dir_, data_dir_;
  std::unique_ptr<KilnProcess> node_;
};

TEST_F(StorageNodeListingTest, PagesListEveryBlobOnceForAnAdminOnly) {
  auto frontend = ChannelWithToken("frontend-token");
  auto cas = reapi::ContentAddressableStorage::NewStub(frontend);
  std::vector<std::string> blobs;
  for (int i = 0; i < 250; ++i) blobs.push_back(PseudoRandomBytes(100 + i, 5'000 + i));
  ASSERT_TRUE(BatchUpload(*cas, "", blobs));

  std::set<std::string> listed;
  std::string token;
  int pages = 0;
  do {
    storage::ListBlobsResponse response;
    grpc::Status status = List(frontend, token, 100, &response);
    ASSERT_TRUE(status.ok()) << Describe(status);
    EXPECT_EQ(response.total_blobs(), 250);
    for (const storage::ListedBlob& blob : response.blobs()) {
      EXPECT_TRUE(listed.insert(blob.digest().hash()).second);
      EXPECT_EQ(blob.digest_function(), reapi::DigestFunction::SHA256);
    }
    token = response.next_page_token();
    ++pages;
  } while (!token.empty());
  EXPECT_EQ(pages, 3);
  for (const std::string& data : blobs) EXPECT_TRUE(listed.contains(ProtoDigestOf(data).hash()));

  storage::ListBlobsResponse denied;
  grpc::Status status = List(ChannelWithToken("reader-token"), "", 10, &denied);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED) << Describe(status);
  EXPECT_NE(status.error_message().find("admin"), std::string::npos) << status.error_message();
  status = List(node_->channel(), "", 10, &denied);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED) << Describe(status);
  status = List(frontend, "not a token", 10, &denied);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << Describe(status);
}

TEST(StorageNodeServiceTest, OnlyStorageNodesServeIt) {
  TempDir data_dir;
  std::string error;
  auto server = KilnProcess::Start(data_dir.path(), {"--workers", "0"}, &error);
  ASSERT_TRUE(server) << error;
  storage::ListBlobsResponse response;
  grpc::ClientContext context;
  grpc::Status status = storage::StorageNode::NewStub(server->channel())->ListBlobs(&context, {}, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNIMPLEMENTED) << Describe(status);
  EXPECT_EQ(server->Stop(), 0);
}

}  // namespace
}  // namespace kiln_test
