// Replica-aware eviction on storage nodes that require credentials: every node has an auth
// file, and asks the others which blobs they hold (StorageNode.FindHeldBlobs, which needs
// `admin`) with its --cas-token-file. With the ring's token, eviction keeps last copies as it
// does without auth (replica_aware_eviction_test.cc). A node with no token or a token nobody
// has (UNAUTHENTICATED), or one whose principal lacks `admin` (PERMISSION_DENIED), is refused
// by its peers; it must then take every candidate for a last copy -- keep it while it can
// (kiln_cas_last_copies_kept_total), and evict it only as a last copy, counted and logged
// (kiln_cas_last_copy_evictions_total) -- never evict on a refusal as if another node held it.
#include <sys/stat.h>

#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <thread>

#include "client/client_channel.h"
#include "http_fetch.h"
#include "kiln/storage/v1/storage_node.grpc.pb.h"
#include "test_util.h"
#include "testing/redis_server_process.h"

namespace kiln_test {
namespace {

namespace storage = kiln::storage::v1;

constexpr int kMostNodes = 4;
constexpr int64_t kBudget = 1 << 20;
constexpr size_t kBlobBytes = 8 * 1024;
constexpr int kBlobsPerBudget = kBudget / kBlobBytes;  // 128

void WriteSecret(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
  ASSERT_EQ(::chmod(path.c_str(), 0600), 0);
}

// The sum of a metric's samples on the node's /metrics page whose line contains every one of
// `labels` (e.g. grpc_method="FindHeldBlobs"); -1 if the page cannot be read.
double Metric(const KilnProcess& node, const std::string& name, const std::vector<std::string>& labels = {}) {
  HttpReply reply = Fetch({.url = "http://127.0.0.1:" + std::to_string(node.http_port()) + "/metrics"});
  if (reply.status != 200) return -1;
  double sum = 0;
  std::istringstream lines(reply.body);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind(name, 0) != 0 || (line[name.size()] != ' ' && line[name.size()] != '{')) continue;
    bool matches = true;
    for (const std::string& label : labels) matches = matches && line.find(label) != std::string::npos;
    if (matches) sum += std::stod(line.substr(line.rfind(' ') + 1));
  }
  return sum;
}

// Refused FindHeldBlobs calls the node answered with `code`.
double RefusedQuestions(const KilnProcess& node, const std::string& code) {
  return Metric(node, "kiln_grpc_server_handled_total",
                {"grpc_method=\"FindHeldBlobs\"", "grpc_code=\"" + code + "\""});
}

class CredentialedEvictionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auth_file_ = secrets_.path() + "/auth.json";
    // The nodes' own principal asks the others (admin), and the test uploads with it; an
    // uploader may not ask.
    WriteSecret(auth_file_, R"({"principals": [
        {"name": "ring", "token_sha256": [")" + DigestOf("ring-token").hash() + R"("],
         "grants": [{"permissions": ["cas-read", "cas-write", "admin"]}]},
        {"name": "uploader", "token_sha256": [")" + DigestOf("uploader-token").hash() + R"("],
         "grants": [{"permissions": ["cas-read", "cas-write"]}]}],
      "anonymous": {"grants": []}})");
    ring_token_ = secrets_.path() + "/ring.token";
    WriteSecret(ring_token_, "ring-token\n");
    unknown_token_ = secrets_.path() + "/unknown.token";
    WriteSecret(unknown_token_, "not-a-token-of-this-ring\n");
    uploader_token_ = secrets_.path() + "/uploader.token";
    WriteSecret(uploader_token_, "uploader-token\n");
    auto redis = kiln::testing::RedisServerProcess::Start();
    ASSERT_TRUE(redis.ok()) << redis.status().ToString();
    redis_ = std::move(redis).value();
  }
  void TearDown() override {
    if (frontend_ && frontend_->running()) EXPECT_EQ(frontend_->Stop(), 0);
    for (auto& node : nodes_) {
      if (node && node->running()) EXPECT_EQ(node->Stop(), 0) << node->stdout_text();
    }
  }

  // Node i asks its peers with token_files[i] (none if empty); a frontend with the ring's
  // token writes over them.
  void StartRing(const std::vector<std::string>& token_files) {
    std::string error;
    for (size_t i = 0; i < token_files.size(); ++i) {
      std::vector<std::string> flags = {"--role", "storage", "--backplane", redis_->url(), "--max-cas-bytes",
                                        std::to_string(kBudget), "--auth-file", auth_file_};
      if (!token_files[i].empty()) flags.insert(flags.end(), {"--cas-token-file", token_files[i]});
      nodes_.push_back(KilnProcess::Start(node_dirs_[i].path(), flags, &error));
      ASSERT_TRUE(nodes_.back()) << error;
      auto channel = TokenChannel(*nodes_.back());
      node_cas_.push_back(reapi::ContentAddressableStorage::NewStub(channel));
      node_admin_.push_back(storage::StorageNode::NewStub(channel));
    }
    frontend_ = KilnProcess::Start(frontend_dir_.path(),
                                   {"--backplane", redis_->url(), "--replication", "2", "--workers", "0",
                                    "--cas-token-file", ring_token_},
                                   &error);
    ASSERT_TRUE(frontend_) << error;
    // The nodes read the ring's members every 2 s: the first ones learn of the later ones.
    std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  }
  std::shared_ptr<grpc::Channel> TokenChannel(const KilnProcess& node) {
    kiln::ClientConnectionOptions options;
    options.target = "grpc://" + node.address();
    options.token_file = ring_token_;
    auto factory = kiln::ClientChannelFactory::Create(options);
    EXPECT_TRUE(factory.ok()) << factory.status().ToString();
    return (*factory)->NewChannel();
  }

  static std::vector<std::string> Blobs(int count, uint64_t seed) {
    std::vector<std::string> blobs;
    for (int i = 0; i < count; ++i) blobs.push_back(PseudoRandomBytes(kBlobBytes, seed + i));
    return blobs;
  }
  // In batches, as a client would; each batch is most recent after the one before.
  static void Upload(reapi::ContentAddressableStorage::Stub& cas, const std::vector<std::string>& blobs) {
    for (size_t i = 0; i < blobs.size(); i += 16) {
      std::vector<std::string> batch(blobs.begin() + i, blobs.begin() + std::min(blobs.size(), i + 16));
      ASSERT_TRUE(BatchUpload(cas, "", batch));
    }
  }
  // The hashes node i holds, from its listing (which pins nothing).
  std::set<std::string> Holdings(int i) {
    std::set<std::string> hashes;
    grpc::ClientContext context;
    SetDeadline(&context);
    storage::ListBlobsRequest request;
    request.set_page_size(10'000);
    storage::ListBlobsResponse response;
    grpc::Status status = node_admin_[i]->ListBlobs(&context, request, &response);
    EXPECT_TRUE(status.ok()) << Describe(status);
    for (const storage::ListedBlob& blob : response.blobs()) hashes.insert(blob.digest().hash());
    return hashes;
  }
  // Waits (up to `patience`) until the node is back within its budget.
  static ::testing::AssertionResult WithinBudget(const KilnProcess& node, std::chrono::seconds patience) {
    double stored = -1;
    const auto deadline = std::chrono::steady_clock::now() + patience;
    do {
      stored = Metric(node, "kiln_cas_stored_bytes");
      if (stored >= 0 && stored <= kBudget) return ::testing::AssertionSuccess();
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    } while (std::chrono::steady_clock::now() < deadline);
    return ::testing::AssertionFailure() << "node " << node.address() << " holds " << stored << " bytes";
  }

  TempDir secrets_, node_dirs_[kMostNodes], frontend_dir_;
  std::string auth_file_, ring_token_, unknown_token_, uploader_token_;
  std::unique_ptr<kiln::testing::RedisServerProcess> redis_;
  std::vector<std::unique_ptr<KilnProcess>> nodes_;
  std::vector<std::unique_ptr<reapi::ContentAddressableStorage::Stub>> node_cas_;
  std::vector<std::unique_ptr<storage::StorageNode::Stub>> node_admin_;
  std::unique_ptr<KilnProcess> frontend_;
};

TEST_F(CredentialedEvictionTest, NodesWithTheRingsTokenKeepLastCopies) {
  ASSERT_NO_FATAL_FAILURE(StartRing({ring_token_, ring_token_, ring_token_}));
  // Three quarters of a node's budget over three nodes, two copies each.
  const std::vector<std::string> ring_blobs = Blobs(kBlobsPerBudget * 3 / 4, 1'000);
  ASSERT_NO_FATAL_FAILURE(Upload(frontend_->cas(), ring_blobs));
  std::set<std::string> ring_hashes;
  for (const std::string& data : ring_blobs) ring_hashes.insert(DigestOf(data).hash());
  ASSERT_FALSE(Holdings(0).empty());

  // Node A takes a budget of its own: the others answer, so it evicts its ring copies as
  // held elsewhere, none as a last copy.
  ASSERT_NO_FATAL_FAILURE(Upload(*node_cas_[0], Blobs(kBlobsPerBudget, 2'000)));
  ASSERT_TRUE(WithinBudget(*nodes_[0], std::chrono::seconds(10)));
  for (const std::string& hash : Holdings(0)) EXPECT_FALSE(ring_hashes.contains(hash)) << "still on A: " << hash;
  EXPECT_GT(Metric(*nodes_[0], "kiln_cas_evicted_blobs_total"), 0);
  EXPECT_EQ(Metric(*nodes_[0], "kiln_cas_last_copy_evictions_total"), 0);

  // A's questions held B's and C's copies for 5 s. Then B and C take the same three quarters
  // of a budget: their oldest blobs are the ring's, among them the last copies of what A
  // evicted, which they must keep.
  std::this_thread::sleep_for(std::chrono::milliseconds(6500));
  const std::vector<std::string> shared = Blobs(kBlobsPerBudget * 3 / 4, 3'000);
  for (size_t i = 0; i < shared.size(); i += 16) {
    const std::vector<std::string> batch(shared.begin() + i, shared.begin() + std::min(shared.size(), i + 16));
    ASSERT_TRUE(BatchUpload(*node_cas_[1], "", batch));
    ASSERT_TRUE(BatchUpload(*node_cas_[2], "", batch));
  }
  ASSERT_TRUE(WithinBudget(*nodes_[1], std::chrono::seconds(10)));
  ASSERT_TRUE(WithinBudget(*nodes_[2], std::chrono::seconds(10)));
  std::set<std::string> on_b_or_c = Holdings(1);
  on_b_or_c.merge(Holdings(2));
  int lost = 0;
  for (const std::string& hash : ring_hashes) lost += !on_b_or_c.contains(hash);
  EXPECT_EQ(lost, 0) << "of " << ring_hashes.size() << " blobs written through the frontend";
  double kept = 0;
  for (const auto& node : nodes_) {
    EXPECT_EQ(Metric(*node, "kiln_cas_last_copy_evictions_total"), 0) << node->address();
    kept += Metric(*node, "kiln_cas_last_copies_kept_total");
    // Every question was let in.
    EXPECT_EQ(RefusedQuestions(*node, "UNAUTHENTICATED"), 0) << node->address();
    EXPECT_EQ(RefusedQuestions(*node, "PERMISSION_DENIED"), 0) << node->address();
  }
  EXPECT_GT(kept, 0) << "plain LRU would have done: no last copy was in the way";
}

TEST_F(CredentialedEvictionTest, NodesTheirPeersRefuseEvictOnlyAsLastCopies) {
  // A asks with no token, B with one nobody has, C as the uploader (no admin), D as the ring.
  ASSERT_NO_FATAL_FAILURE(StartRing({"", unknown_token_, uploader_token_, ring_token_}));
  ASSERT_NO_FATAL_FAILURE(Upload(frontend_->cas(), Blobs(kBlobsPerBudget * 3 / 4, 1'000)));
  for (int i = 0; i < 3; ++i) ASSERT_FALSE(Holdings(i).empty()) << "node " << i;

  // A, B and C each take a budget of their own. Each copy of the ring's blobs they hold has
  // another copy elsewhere, but none of them can learn that: each keeps its copies as last
  // copies while it can, then evicts what the budget needs, as last copies.
  for (int i = 0; i < 3; ++i) ASSERT_NO_FATAL_FAILURE(Upload(*node_cas_[i], Blobs(kBlobsPerBudget, 2'000 + 1'000 * i)));
  for (int i = 0; i < 3; ++i) {
    // last_copy_patience (6 s) first.
    ASSERT_TRUE(WithinBudget(*nodes_[i], std::chrono::seconds(20)));
    const double evicted = Metric(*nodes_[i], "kiln_cas_evicted_blobs_total");
    EXPECT_GT(evicted, 0) << "node " << i;
    EXPECT_EQ(Metric(*nodes_[i], "kiln_cas_last_copy_evictions_total"), evicted) << "node " << i;
    EXPECT_GT(Metric(*nodes_[i], "kiln_cas_last_copies_kept_total"), 0) << "node " << i;
    EXPECT_EQ(Metric(*nodes_[i], "kiln_cas_unchecked_evictions_total"), 0) << "node " << i;
  }
  // The refusals, as D counted them: A's and B's for their credentials, C's for its rights.
  EXPECT_GT(RefusedQuestions(*nodes_[3], "UNAUTHENTICATED"), 0);
  EXPECT_GT(RefusedQuestions(*nodes_[3], "PERMISSION_DENIED"), 0);
  // D was never pressed.
  EXPECT_EQ(Metric(*nodes_[3], "kiln_cas_evicted_blobs_total"), 0);
}

}  // namespace
}  // namespace kiln_test
