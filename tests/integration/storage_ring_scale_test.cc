// The backplane's storage ring at the size of issue #15's acceptance test, as real processes
// on loopback: Redis, four storage nodes joined to the ring, two frontends following it with
// R=2. Twenty thousand blobs (mostly 1 B-64 KiB, some MiBs, two of 64 MiB) written through
// both frontends; kill -9 of a node, after which every blob reads back intact through each
// frontend; its removal, after which the repair pass restores two copies of everything; a
// fifth node, after which every owner holds its blobs and each node owns its weighted share.
// And a node killed in the middle of a 1 GiB upload: the client gets an error, or the blob is
// intact on two live nodes -- never success with fewer copies.
//
// Blobs are generated from seeds (seeded_blob.h), so the test never holds them all; copies
// are counted from each node's own listing (ring_census.h). Each phase prints its time.
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <stdexcept>
#include <sstream>
#include <thread>
#include <unordered_set>

#include "backplane/storage_directory.h"
#include "cas/rendezvous_ring.h"
#include "common/hasher.h"
#include "common/proto_digest.h"
#include "redis/redis_client.h"
#include "ring_census.h"
#include "seeded_blob.h"
#include "test_util.h"
#include "testing/redis_server_process.h"

namespace kiln_test {
namespace {

using SteadyClock = std::chrono::steady_clock;

constexpr int kFirstNodes = 4;
constexpr size_t kReplicas = 2;
constexpr int kBlobs = 20'000;
constexpr int kMiBBlobs = 16;        // 1-8 MiB each.
constexpr int kLargeBlobs = 2;       // 64 MiB each.
constexpr int kThreads = 8;          // Calls in flight from the test.
constexpr int64_t kBatchBytes = 1 << 20;
constexpr int kBatchBlobs = 200;

double SecondsSince(SteadyClock::time_point start) {
  return std::chrono::duration<double>(SteadyClock::now() - start).count();
}

// Runs task(i) for i in [0, count) on `threads` threads, each taking the next index.
template <typename Task>
void ParallelFor(size_t count, int threads, Task task) {
  std::atomic<size_t> next{0};
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      for (size_t i = next++; i < count; i = next++) task(i);
    });
  }
  for (std::thread& thread : pool) thread.join();
}

template <typename Done>
bool PollUntil(Done done, std::chrono::seconds timeout) {
  const auto deadline = SteadyClock::now() + timeout;
  while (!done()) {
    if (SteadyClock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  return true;
}

// Sizes log-uniform over 1 B-64 KiB (most under 8 KiB, as in a build's CAS), then the MiB
// blobs, then the two of 64 MiB; all distinct (a few bytes have few contents: a blob whose
// digest is taken grows by a byte until it is new).
std::vector<SeededBlob> MakeBlobs() {
  std::mt19937_64 random(15);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  std::vector<int64_t> sizes;
  for (int i = 0; i < kBlobs - kMiBBlobs - kLargeBlobs; ++i) {
    sizes.push_back(std::min<int64_t>(65'536, static_cast<int64_t>(std::exp(unit(random) * std::log(65'536.0)))));
  }
  for (int i = 0; i < kMiBBlobs; ++i) sizes.push_back((int64_t{1} << 20) + static_cast<int64_t>(unit(random) * (7 << 20)));
  for (int i = 0; i < kLargeBlobs; ++i) sizes.push_back(int64_t{64} << 20);
  std::vector<SeededBlob> blobs;
  std::unordered_set<std::string> hashes;
  uint64_t seed = 1'500'000;
  for (int64_t size : sizes) {
    SeededBlob blob = MakeSeededBlob(seed++, size);
    while (!hashes.insert(blob.digest.hash()).second) blob = MakeSeededBlob(blob.seed, blob.size() + 1);
    blobs.push_back(blob);
  }
  return blobs;
}

// What one call writes or reads: a run of small blobs (BatchUpdateBlobs, BatchReadBlobs), or
// one blob over 1 MiB alone (ByteStream). The big ones come first, so that they overlap
// with the rest.
struct Batch {
  size_t begin = 0;
  size_t end = 0;
  bool stream = false;
};

std::vector<Batch> Batches(const std::vector<SeededBlob>& blobs) {
  std::vector<Batch> batches;
  for (size_t i = 0; i < blobs.size(); ++i) {
    if (blobs[i].size() > kBatchBytes) batches.push_back({i, i + 1, true});
  }
  Batch batch;
  int64_t bytes = 0;
  for (size_t i = 0; i < blobs.size(); ++i) {
    if (blobs[i].size() > kBatchBytes) continue;
    if (batch.end > batch.begin && (bytes + blobs[i].size() > kBatchBytes || batch.end - batch.begin >= kBatchBlobs)) {
      batches.push_back(batch);
      batch = {};
      bytes = 0;
    }
    if (batch.end == batch.begin) batch.begin = i;
    batch.end = i + 1;
    bytes += blobs[i].size();
  }
  if (batch.end > batch.begin) batches.push_back(batch);
  return batches;
}

::testing::AssertionResult Upload(KilnProcess& frontend, const std::vector<SeededBlob>& blobs, const Batch& batch) {
  if (batch.stream) {
    grpc::Status status = StreamSeededBlob(frontend.bytestream(), blobs[batch.begin]);
    if (!status.ok()) return ::testing::AssertionFailure() << "ByteStream Write: " << Describe(status);
    return ::testing::AssertionSuccess();
  }
  reapi::BatchUpdateBlobsRequest request;
  for (size_t i = batch.begin; i < batch.end; ++i) {
    auto* item = request.add_requests();
    *item->mutable_digest() = ProtoDigest(blobs[i].digest.hash(), blobs[i].size());
    item->set_data(blobs[i].Bytes());
  }
  grpc::ClientContext context;
  SetDeadline(&context);
  reapi::BatchUpdateBlobsResponse response;
  grpc::Status status = frontend.cas().BatchUpdateBlobs(&context, request, &response);
  if (!status.ok()) return ::testing::AssertionFailure() << "BatchUpdateBlobs: " << Describe(status);
  for (const auto& item : response.responses()) {
    if (item.status().code() != 0) {
      return ::testing::AssertionFailure() << item.digest().hash() << ": " << Describe(item.status());
    }
  }
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult ReadsBackIntact(KilnProcess& frontend, const std::vector<SeededBlob>& blobs,
                                           const Batch& batch) {
  if (batch.stream) return StreamsBackIntact(frontend.bytestream(), blobs[batch.begin].digest);
  reapi::BatchReadBlobsRequest request;
  for (size_t i = batch.begin; i < batch.end; ++i) {
    *request.add_digests() = ProtoDigest(blobs[i].digest.hash(), blobs[i].size());
  }
  reapi::BatchReadBlobsResponse response;
  grpc::Status status = BatchRead(frontend.cas(), request, &response);
  if (!status.ok()) return ::testing::AssertionFailure() << "BatchReadBlobs: " << Describe(status);
  if (response.responses_size() != request.digests_size()) {
    return ::testing::AssertionFailure() << response.responses_size() << " answers to " << request.digests_size();
  }
  for (const auto& item : response.responses()) {
    if (item.status().code() != 0) {
      return ::testing::AssertionFailure() << item.digest().hash() << ": " << Describe(item.status());
    }
    if (kiln::HashHex(kiln::DigestFunction::kSha256, item.data()) != item.digest().hash() ||
        static_cast<int64_t>(item.data().size()) != item.digest().size_bytes()) {
      return ::testing::AssertionFailure() << item.digest().hash() << ": the bytes do not match the digest";
    }
  }
  return ::testing::AssertionSuccess();
}

// Lines printed as each phase ends (a slow phase shows where it is slow).
class Measured {
 public:
  template <typename T>
  Measured& operator<<(const T& value) {
    line_ << value;
    const std::string text = line_.str();
    if (!text.empty() && text.back() == '\n') {
      std::cout << "[ measured ] " << text << std::flush;
      line_.str("");
    }
    return *this;
  }

 private:
  std::ostringstream line_;
};

// A fresh directory under `parent`, removed recursively on destruction, with subdirectories
// for the processes' data.
class ScratchDir {
 public:
  explicit ScratchDir(const std::string& parent) {
    std::string pattern = parent + "/kiln-integration-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed under " + parent);
    path_ = pattern;
  }
  ~ScratchDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::string& path() const { return path_; }
  std::string NewSubdirectory(const std::string& name) const {
    std::filesystem::create_directory(path_ + "/" + name);
    return path_ + "/" + name;
  }

 private:
  std::string path_;
};

std::string ReadAll(const std::string& path) {
  std::ifstream file(path);
  return std::string(std::istreambuf_iterator<char>(file), {});
}

class StorageRingScaleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    scratch_ = std::make_unique<ScratchDir>(data_parent_);
    auto redis = kiln::testing::RedisServerProcess::Start();
    ASSERT_TRUE(redis.ok()) << redis.status().ToString();
    redis_ = std::move(redis).value();
    for (int i = 0; i < kFirstNodes; ++i) ASSERT_TRUE(StartNode());
    std::string error;
    for (int i = 0; i < 2; ++i) {
      // Standard error into a file: the ring it follows and the repair pass's lines.
      stderr_paths_.push_back(scratch_->path() + "/frontend-" + std::to_string(i) + ".stderr");
      frontends_.push_back(KilnProcess::StartWith(
          {"/bin/sh", "-c", "exec \"$0\" \"$@\" 2>" + stderr_paths_.back(), KILN_BINARY},
          scratch_->NewSubdirectory("frontend-" + std::to_string(i)),
          {"--backplane", redis_->url(), "--replication", "2", "--workers", "0", "--repair-bytes-per-second", "1G"},
          &error));
      ASSERT_TRUE(frontends_.back()) << error;
    }
    // Blobs are placed on the ring each frontend knows: wait until both know all four nodes.
    for (int i = 0; i < 2; ++i) {
      ASSERT_TRUE(PollUntil([&] { return Log(i).find("on 4 storage node(s)") != std::string::npos; },
                            std::chrono::seconds(15)))
          << Log(i);
    }
  }
  void TearDown() override {
    for (auto& frontend : frontends_) {
      if (frontend && frontend->running()) EXPECT_EQ(frontend->Stop(), 0);
    }
    for (auto& node : nodes_) {
      if (node && node->running()) EXPECT_EQ(node->Stop(), 0);
    }
  }

  bool StartNode() {
    std::string error;
    nodes_.push_back(KilnProcess::Start(scratch_->NewSubdirectory("node-" + std::to_string(nodes_.size())),
                                        {"--role", "storage", "--backplane", redis_->url(), "--storage-weight", "1"},
                                        &error));
    EXPECT_TRUE(nodes_.back()) << error;
    return nodes_.back() != nullptr;
  }
  // The ring's members that are running (a killed node is removed before the census needs
  // the ring without it).
  std::vector<CensusNode> LiveNodes() {
    std::vector<CensusNode> live;
    for (auto& node : nodes_) {
      if (node->running()) live.push_back({node.get(), 1.0});
    }
    return live;
  }
  void RemoveFromRing(const std::string& name) {
    kiln::redis::RedisAddress address;
    address.seeds.push_back(redis_->endpoint());
    auto client = kiln::redis::ConnectRedis(address, {});
    ASSERT_TRUE(client.ok()) << client.status().ToString();
    kiln::StorageDirectoryOptions options;
    options.key_namespace = "kiln";
    kiln::StorageDirectory directory(client->get(), kiln::SystemClock::Get(), options);
    ASSERT_TRUE(directory.Remove(name).ok());
  }
  std::string Log(int frontend) const { return ReadAll(stderr_paths_[frontend]); }

  std::unique_ptr<kiln::testing::RedisServerProcess> redis_;
  // Where the processes keep their data. On disk, so that large uploads take kiln's direct
  // I/O path; a fixture with many small files moves it to memory.
  std::string data_parent_ = "/tmp";
  std::unique_ptr<ScratchDir> scratch_;  // Before the processes: removed once they stopped.
  std::vector<std::string> stderr_paths_;
  std::vector<std::unique_ptr<KilnProcess>> nodes_, frontends_;
};

// The same in memory (/dev/shm, when there is one): its ~70,000 files take minutes to unlink
// on a disk mounted with `discard` (each unlink waits for its discard), far longer than the
// test itself.
class StorageRingScaleInMemoryTest : public StorageRingScaleTest {
 protected:
  StorageRingScaleInMemoryTest() {
    if (std::filesystem::is_directory("/dev/shm")) data_parent_ = "/dev/shm";
  }
};

TEST_F(StorageRingScaleInMemoryTest, TwentyThousandBlobsSurviveAKillARemovalAndANewNode) {
  Measured measured;
  auto start = SteadyClock::now();
  const std::vector<SeededBlob> blobs = MakeBlobs();
  std::vector<kiln::Digest> digests;
  int64_t total_bytes = 0;
  for (const SeededBlob& blob : blobs) {
    digests.push_back(blob.digest);
    total_bytes += blob.size();
  }
  const std::vector<Batch> batches = Batches(blobs);
  measured << "generated " << blobs.size() << " blobs, " << total_bytes << " B, in " << SecondsSince(start) << " s\n";

  // 1. Written through both frontends, a batch to each in turn.
  start = SteadyClock::now();
  std::atomic<int> failed_writes{0};
  ParallelFor(batches.size(), kThreads, [&](size_t i) {
    auto written = Upload(*frontends_[i % 2], blobs, batches[i]);
    if (!written && failed_writes++ < 5) ADD_FAILURE() << written.message();
  });
  ASSERT_EQ(failed_writes, 0);
  measured << "1. written in " << batches.size() << " calls: " << SecondsSince(start) << " s\n";
  RingCensus census;
  ASSERT_TRUE(TakeCensus(LiveNodes(), digests, kReplicas, &census));
  EXPECT_EQ(census.owner_copies_missing, 0) << "every node was up: every blob is on its two owners\n"
                                            << Describe(census);

  // 2. kill -9 of a node: every blob reads back intact through each frontend (whose read
  // caches start empty: writes do not fill them).
  const std::string killed = "grpc://" + nodes_[1]->address();
  nodes_[1]->Kill9();
  for (int f = 0; f < 2; ++f) {
    start = SteadyClock::now();
    std::atomic<int> failed_reads{0};
    ParallelFor(batches.size(), kThreads, [&](size_t i) {
      auto read = ReadsBackIntact(*frontends_[f], blobs, batches[i]);
      if (!read && failed_reads++ < 5) ADD_FAILURE() << "through frontend " << f << ": " << read.message();
    });
    EXPECT_EQ(failed_reads, 0);
    measured << "2. with a node killed, all read back through frontend " << f << ": " << SecondsSince(start) << " s\n";
  }

  // 3. Removed from the ring: the repair pass restores two copies of everything.
  start = SteadyClock::now();
  RemoveFromRing(killed);
  ASSERT_TRUE(PollUntil(
      [&] { return TakeCensus(LiveNodes(), digests, kReplicas, &census) && census.under_replicated == 0; },
      std::chrono::seconds(120)))
      << Describe(census) << Log(0) << Log(1);
  EXPECT_EQ(census.lost, 0);
  measured << "3. two copies of every blob again " << SecondsSince(start) << " s after the removal\n";

  // 4. A fifth node (weight 1): once every owner holds its blobs, each node owns its
  // weighted share of the owner copies (here 1/4 of them each).
  start = SteadyClock::now();
  ASSERT_TRUE(StartNode());
  ASSERT_TRUE(PollUntil(
      [&] { return TakeCensus(LiveNodes(), digests, kReplicas, &census) && census.owner_copies_missing == 0; },
      std::chrono::seconds(120)))
      << Describe(census) << Log(0) << Log(1);
  measured << "4. every owner of the new ring holds its blobs " << SecondsSince(start) << " s after the node started\n"
           << Describe(census);
  const double weight_share = 1.0 / static_cast<double>(census.nodes.size());
  const double expected_blobs = weight_share * kReplicas * static_cast<double>(blobs.size());
  const double expected_bytes = weight_share * kReplicas * static_cast<double>(total_bytes);
  for (const NodeCount& node : census.nodes) {
    // Counts, not bytes: the bytes are dominated by the two 64 MiB blobs (reported below).
    EXPECT_NEAR(static_cast<double>(node.owned_blobs), expected_blobs, 0.15 * expected_blobs) << node.name;
    measured << "  " << node.name << ": " << node.owned_blobs / expected_blobs << " of its share by count, "
             << static_cast<double>(node.owned_bytes) / expected_bytes << " by bytes\n";
  }
}

// The kill point (MiB the client has sent) is KILN_RING_KILL_AFTER_MIB when set, to try others.
TEST_F(StorageRingScaleTest, ANodeKilledDuringAGibibyteUploadNeverLeavesFewerThanTwoCopies) {
  int64_t kill_after = int64_t{300} << 20;
  if (const char* mib = std::getenv("KILN_RING_KILL_AFTER_MIB")) kill_after = std::atoll(mib) << 20;
  Measured measured;
  auto start = SteadyClock::now();
  const SeededBlob blob = MakeSeededBlob(1'515, int64_t{1} << 30);
  measured << "1 GiB generated and hashed in " << SecondsSince(start) << " s\n";

  // The node killed is the blob's first owner, which the upload is streaming to.
  std::vector<CensusNode> ring = LiveNodes();
  std::vector<kiln::RingNode> ring_nodes;
  for (const CensusNode& node : ring) ring_nodes.push_back({node.name(), node.weight});
  const size_t victim = kiln::RendezvousRing::Create(ring_nodes)->Owners(blob.digest, kReplicas)[0];
  bool killed = false;
  start = SteadyClock::now();
  double killed_at = 0;
  double all_sent_at = 0;
  grpc::Status status = StreamSeededBlob(frontends_[0]->bytestream(), blob, [&](int64_t sent) {
    if (sent == blob.size()) all_sent_at = SecondsSince(start);
    if (killed || sent < kill_after) return;
    ring[victim].process->Kill9();
    killed = true;
    killed_at = SecondsSince(start);
  });
  measured << "upload " << (status.ok() ? "succeeded" : "failed: " + Describe(status)) << " after "
           << SecondsSince(start) << " s; " << ring[victim].name() << " killed after " << (kill_after >> 20)
           << " MiB sent, at " << killed_at << " s; the last byte sent at " << all_sent_at << " s\n";
  ASSERT_TRUE(killed) << "the upload ended before the kill point";

  if (status.ok()) {
    // Success: two live nodes hold the blob, and each copy streams back intact.
    start = SteadyClock::now();
    std::vector<CensusNode> holders;
    for (const CensusNode& node : LiveNodes()) {
      std::vector<reapi::Digest> missing;
      grpc::Status found = FindMissing(node.process->cas(), "", {kiln::ToProto(blob.digest)}, &missing);
      ASSERT_TRUE(found.ok()) << Describe(found);
      if (missing.empty()) holders.push_back(node);
    }
    std::atomic<int> intact{0};
    ParallelFor(holders.size(), static_cast<int>(holders.size()), [&](size_t i) {
      auto read = StreamsBackIntact(holders[i].process->bytestream(), blob.digest);
      if (read) ++intact;
      else ADD_FAILURE() << holders[i].name() << ": " << read.message();
    });
    EXPECT_GE(intact.load(), 2) << "success reported with fewer than two intact copies";
    measured << intact.load() << " intact copies on live nodes, read back from each in " << SecondsSince(start) << " s\n";
  }
  // Either way the frontend still serves, on the three nodes left.
  EXPECT_TRUE(BatchUpload(frontends_[0]->cas(), "", {PseudoRandomBytes(4096, 1'516)}));
}

}  // namespace
}  // namespace kiln_test
