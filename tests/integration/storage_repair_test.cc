// The storage ring's repair pass with real processes: four storage nodes joined to the
// backplane, R=2, and a frontend following the ring. After kill -9 of a node and its removal
// from the ring, the frontend's repair pass copies every blob that lost a copy to its new
// owner, until each of the three live nodes' own answers count two copies of every blob;
// and it says so on its standard error (with the rate it copied at).
#include <chrono>
#include <fstream>
#include <iterator>
#include <map>
#include <regex>
#include <set>

#include "backplane/storage_directory.h"
#include "redis/redis_client.h"
#include "test_util.h"
#include "testing/redis_server_process.h"

namespace kiln_test {
namespace {

constexpr int kNodes = 4;
constexpr int kBlobs = 3000;

// Polls `done` every 200 ms, for at most `timeout`.
template <typename Done>
bool PollUntil(Done done, std::chrono::seconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return true;
}

std::string ReadAll(const std::string& path) {
  std::ifstream file(path);
  return std::string(std::istreambuf_iterator<char>(file), {});
}

class StorageRepairTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto redis = kiln::testing::RedisServerProcess::Start();
    ASSERT_TRUE(redis.ok()) << redis.status().ToString();
    redis_ = std::move(redis).value();
    std::string error;
    for (int i = 0; i < kNodes; ++i) {
      nodes_.push_back(KilnProcess::Start(node_dirs_[i].path(), {"--role", "storage", "--backplane", redis_->url()},
                                          &error));
      ASSERT_TRUE(nodes_.back()) << error;
    }
    // Its standard error into a file, where the test reads the repair pass's lines.
    stderr_path_ = log_dir_.path() + "/frontend.stderr";
    frontend_ = KilnProcess::StartWith({"/bin/sh", "-c", "exec \"$0\" \"$@\" 2>" + stderr_path_, KILN_BINARY},
                                       frontend_dir_.path(),
                                       {"--backplane", redis_->url(), "--replication", "2", "--workers", "0",
                                        "--repair-bytes-per-second", "64M"},
                                       &error);
    ASSERT_TRUE(frontend_) << error;
  }
  void TearDown() override {
    if (frontend_ && frontend_->running()) EXPECT_EQ(frontend_->Stop(), 0);
    for (auto& node : nodes_) {
      if (node && node->running()) EXPECT_EQ(node->Stop(), 0);
    }
  }

  // Blobs with fewer than two copies among the live nodes, asking each node (one batched
  // FindMissing per node).
  int UnderReplicated(const std::vector<std::string>& blobs) {
    std::vector<reapi::Digest> digests;
    for (const std::string& data : blobs) digests.push_back(ProtoDigestOf(data));
    std::map<std::string, int> copies;
    for (auto& node : nodes_) {
      if (!node->running()) continue;
      for (size_t start = 0; start < digests.size(); start += 1000) {
        std::vector<reapi::Digest> batch(digests.begin() + start,
                                         digests.begin() + std::min(digests.size(), start + 1000));
        std::vector<reapi::Digest> missing;
        grpc::Status status = FindMissing(node->cas(), "", batch, &missing);
        EXPECT_TRUE(status.ok()) << Describe(status);
        std::set<std::string> absent;
        for (const reapi::Digest& digest : missing) absent.insert(digest.hash());
        for (const reapi::Digest& digest : batch) copies[digest.hash()] += absent.contains(digest.hash()) ? 0 : 1;
      }
    }
    int under = 0;
    for (const reapi::Digest& digest : digests) under += copies[digest.hash()] < 2;
    return under;
  }

  std::unique_ptr<kiln::testing::RedisServerProcess> redis_;
  std::string Log() const { return ReadAll(stderr_path_); }

  TempDir node_dirs_[kNodes], frontend_dir_, log_dir_;
  std::string stderr_path_;
  std::vector<std::unique_ptr<KilnProcess>> nodes_;
  std::unique_ptr<KilnProcess> frontend_;
};

TEST_F(StorageRepairTest, ANodeRemovedForGoodHasItsBlobsCopiedBackToTwoNodes) {
  // Wait until the frontend's ring has all four nodes: blobs are placed over those.
  ASSERT_TRUE(PollUntil([&] { return Log().find("on 4 storage node(s)") != std::string::npos; },
                        std::chrono::seconds(10)))
      << Log();
  std::vector<std::string> blobs;
  for (int i = 0; i < kBlobs; ++i) blobs.push_back(PseudoRandomBytes(1000 + (i % 7) * 500, 77'000 + i));
  for (size_t start = 0; start < blobs.size(); start += 500) {
    std::vector<std::string> batch(blobs.begin() + start, blobs.begin() + std::min(blobs.size(), start + 500));
    ASSERT_TRUE(BatchUpload(frontend_->cas(), "", batch));
  }
  ASSERT_EQ(UnderReplicated(blobs), 0);

  // The first pass (over the ring the frontend started with, before any blob) is over.
  ASSERT_TRUE(PollUntil([&] { return Log().find("repair pass finished") != std::string::npos; },
                        std::chrono::seconds(10)))
      << Log();
  const size_t mark = Log().size();

  // Node 1 dies for good; the operator removes it from the ring.
  const std::string removed = "grpc://" + nodes_[1]->address();
  nodes_[1]->Kill9();
  const int lost = UnderReplicated(blobs);
  EXPECT_GT(lost, kBlobs / 4);  // About half the blobs had a copy there.
  kiln::redis::RedisAddress address;
  address.seeds.push_back(redis_->endpoint());
  auto client = kiln::redis::ConnectRedis(address, {});
  ASSERT_TRUE(client.ok());
  kiln::StorageDirectoryOptions directory_options;
  directory_options.key_namespace = "kiln";
  kiln::StorageDirectory directory(client->get(), kiln::SystemClock::Get(), directory_options);
  const auto removed_at = std::chrono::steady_clock::now();
  ASSERT_TRUE(directory.Remove(removed).ok());

  // The pass starts within a few seconds (the frontend reads the ring every 2 s) and copies
  // every lost copy.
  ASSERT_TRUE(PollUntil([&] { return UnderReplicated(blobs) == 0; }, std::chrono::seconds(20)))
      << UnderReplicated(blobs) << " blobs still have one copy\n"
      << Log();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - removed_at).count();
  ASSERT_TRUE(PollUntil([&] { return Log().find("repair pass finished", mark) != std::string::npos; },
                        std::chrono::seconds(10)))
      << Log();
  const std::string log = Log().substr(mark);
  EXPECT_NE(log.find("(the ring changed)"), std::string::npos) << log;
  std::smatch finished;
  ASSERT_TRUE(std::regex_search(log, finished, std::regex("repair pass finished: [^\n]*")));
  std::cout << "[ measured ] " << lost << " copies restored, " << seconds << " s from the removal; frontend: "
            << finished.str() << std::endl;
  EXPECT_NE(finished.str().find("0 failures"), std::string::npos) << finished.str();
  // Every blob still reads back through the frontend.
  reapi::BatchReadBlobsRequest request;
  for (int i = 0; i < kBlobs; i += 10) *request.add_digests() = ProtoDigestOf(blobs[i]);
  reapi::BatchReadBlobsResponse response;
  ASSERT_TRUE(BatchRead(frontend_->cas(), request, &response).ok());
  for (int i = 0; i < response.responses_size(); ++i) EXPECT_EQ(response.responses(i).data(), blobs[i * 10]);
}

}  // namespace
}  // namespace kiln_test
