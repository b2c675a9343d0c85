// Replica-aware eviction with real processes: three storage nodes with a 1 MiB budget each
// join a ring on Redis, a frontend writes blobs over them with two copies each. One node is
// then filled with blobs of its own, so that it evicts its copies of the ring's blobs (their
// other copies are elsewhere); then the other two are filled. Plain LRU would now drop the
// oldest blobs there too -- the last copies of what the first node evicted; replica-aware
// eviction keeps them and evicts blobs that are held elsewhere instead, so every blob the
// frontend wrote still reads back.
#include <curl/curl.h>

#include <set>
#include <thread>

#include "kiln/storage/v1/storage_node.grpc.pb.h"
#include "storage_node_copies.h"
#include "test_util.h"
#include "testing/redis_server_process.h"

namespace kiln_test {
namespace {

namespace storage = kiln::storage::v1;

constexpr int kNodes = 3;
constexpr int64_t kBudget = 1 << 20;
constexpr size_t kBlobBytes = 8 * 1024;
constexpr int kBlobsPerBudget = kBudget / kBlobBytes;  // 128

size_t AppendTo(char* data, size_t size, size_t count, void* out) {
  static_cast<std::string*>(out)->append(data, size * count);
  return size * count;
}

// A sample of the node's /metrics page, or -1 if it cannot be read.
double Metric(const KilnProcess& node, const std::string& series) {
  std::string page;
  CURL* curl = curl_easy_init();
  const std::string url = "http://127.0.0.1:" + std::to_string(node.http_port()) + "/metrics";
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, AppendTo);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &page);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, 10L);
  const bool fetched = curl_easy_perform(curl) == CURLE_OK;
  curl_easy_cleanup(curl);
  const size_t at = page.find("\n" + series + " ");
  if (!fetched || at == std::string::npos) return -1;
  return std::stod(page.substr(at + series.size() + 2));
}

// The hashes a node holds, from its listing (which, unlike FindMissing, pins nothing).
std::set<std::string> Holdings(KilnProcess& node) {
  std::set<std::string> hashes;
  grpc::ClientContext context;
  SetDeadline(&context);
  storage::ListBlobsRequest request;
  request.set_page_size(10'000);
  storage::ListBlobsResponse response;
  grpc::Status status = storage::StorageNode::NewStub(node.channel())->ListBlobs(&context, request, &response);
  EXPECT_TRUE(status.ok()) << Describe(status);
  for (const storage::ListedBlob& blob : response.blobs()) hashes.insert(blob.digest().hash());
  return hashes;
}

class ReplicaAwareEvictionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto redis = kiln::testing::RedisServerProcess::Start();
    ASSERT_TRUE(redis.ok()) << redis.status().ToString();
    redis_ = std::move(redis).value();
    std::string error;
    for (int i = 0; i < kNodes; ++i) {
      nodes_.push_back(KilnProcess::Start(node_dirs_[i].path(),
                                          {"--role", "storage", "--backplane", redis_->url(), "--max-cas-bytes",
                                           std::to_string(kBudget)},
                                          &error));
      ASSERT_TRUE(nodes_.back()) << error;
    }
    frontend_ = KilnProcess::Start(frontend_dir_.path(),
                                   {"--backplane", redis_->url(), "--replication", "2", "--workers", "0"}, &error);
    ASSERT_TRUE(frontend_) << error;
    // The nodes read the ring's members every 2 s: the first ones learn of the later ones.
    std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  }
  void TearDown() override {
    if (frontend_ && frontend_->running()) EXPECT_EQ(frontend_->Stop(), 0);
    for (auto& node : nodes_) {
      if (node && node->running()) EXPECT_EQ(node->Stop(), 0) << node->stdout_text();
    }
  }

  std::vector<std::string> Blobs(int count, uint64_t seed) {
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
  static ::testing::AssertionResult WithinBudget(const KilnProcess& node) {
    double stored = -1;
    for (int i = 0; i < 100; ++i) {
      stored = Metric(node, "kiln_cas_stored_bytes");
      if (stored >= 0 && stored <= kBudget) return ::testing::AssertionSuccess();
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return ::testing::AssertionFailure() << "node " << node.address() << " holds " << stored << " bytes";
  }

  std::unique_ptr<kiln::testing::RedisServerProcess> redis_;
  TempDir node_dirs_[kNodes], frontend_dir_;
  std::vector<std::unique_ptr<KilnProcess>> nodes_;
  std::unique_ptr<KilnProcess> frontend_;
};

TEST_F(ReplicaAwareEvictionTest, ABlobWhoseOtherCopyWasEvictedStaysOnItsLastNode) {
  // Three quarters of a node's budget over three nodes, two copies each: half a budget each.
  const std::vector<std::string> ring_blobs = Blobs(kBlobsPerBudget * 3 / 4, 1'000);
  Upload(frontend_->cas(), ring_blobs);
  std::set<std::string> ring_hashes;
  for (const std::string& data : ring_blobs) ring_hashes.insert(DigestOf(data).hash());
  std::set<std::string> on_a;
  for (const std::string& hash : Holdings(*nodes_[0])) on_a.insert(hash);
  ASSERT_FALSE(on_a.empty());

  // Node A takes a whole budget of blobs of its own: it evicts every copy of the ring's
  // blobs it had, since the other nodes hold them.
  KilnProcess& a = *nodes_[0];
  Upload(a.cas(), Blobs(kBlobsPerBudget, 2'000));
  ASSERT_TRUE(WithinBudget(a));
  for (const std::string& hash : Holdings(a)) EXPECT_FALSE(ring_hashes.contains(hash)) << "still on A: " << hash;
  EXPECT_EQ(Metric(a, "kiln_cas_last_copy_evictions_total"), 0);

  // A's questions held B's and C's copies for 5 s; pressure on them must find them unpinned.
  std::this_thread::sleep_for(std::chrono::milliseconds(6500));
  // B and C each take three quarters of a budget more, the same blobs on both: over budget
  // by a quarter each, with their oldest blobs the ring's -- among them the last copies of
  // those A evicted.
  const std::vector<std::string> shared = Blobs(kBlobsPerBudget * 3 / 4, 3'000);
  for (size_t i = 0; i < shared.size(); i += 16) {
    const std::vector<std::string> batch(shared.begin() + i, shared.begin() + std::min(shared.size(), i + 16));
    ASSERT_TRUE(BatchUpload(nodes_[1]->cas(), "", batch));
    ASSERT_TRUE(BatchUpload(nodes_[2]->cas(), "", batch));
  }
  ASSERT_TRUE(WithinBudget(*nodes_[1]));
  ASSERT_TRUE(WithinBudget(*nodes_[2]));

  std::set<std::string> on_b_or_c = Holdings(*nodes_[1]);
  on_b_or_c.merge(Holdings(*nodes_[2]));
  int lost = 0;
  for (const std::string& hash : ring_hashes) lost += !on_b_or_c.contains(hash);
  EXPECT_EQ(lost, 0) << "of " << ring_hashes.size() << " blobs written through the frontend, "
                     << on_a.size() << " of which A evicted";
  double kept = 0;
  for (auto& node : nodes_) {
    EXPECT_EQ(Metric(*node, "kiln_cas_last_copy_evictions_total"), 0) << node->address();
    kept += Metric(*node, "kiln_cas_last_copies_kept_total");
  }
  EXPECT_GT(kept, 0) << "plain LRU would have done: no last copy was in the way";
  // And the frontend reads them all back, from the node that kept each.
  reapi::BatchReadBlobsRequest request;
  for (const std::string& data : ring_blobs) *request.add_digests() = ProtoDigestOf(data);
  reapi::BatchReadBlobsResponse response;
  grpc::Status status = BatchRead(frontend_->cas(), request, &response);
  ASSERT_TRUE(status.ok()) << Describe(status);
  ASSERT_EQ(response.responses_size(), static_cast<int>(ring_blobs.size()));
  for (int i = 0; i < response.responses_size(); ++i) {
    EXPECT_EQ(response.responses(i).status().code(), 0) << "blob " << i << ": " << Describe(response.responses(i).status());
    EXPECT_TRUE(response.responses(i).data() == ring_blobs[i]) << "blob " << i << " differs";
  }
}

}  // namespace
}  // namespace kiln_test
