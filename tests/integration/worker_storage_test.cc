// Where a `kiln worker` reads its inputs, as real processes: a frontend whose CAS is a ring of
// storage nodes (the backplane's, or a static --cas list) tells its workers the ring (again
// when a node joins), and a worker with --storage direct reads the action's inputs from the
// nodes themselves: the frontend's CAS read counters (its /metrics) stay put while the
// nodes' grow. A worker
// the nodes refuse (no grant for its principal) still runs the action, through the
// frontend; so does one started with --storage frontend.
#include <curl/curl.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <regex>

#include "cas/rendezvous_ring.h"
#include "common/hasher.h"
#include "execution_util.h"
#include "remote_worker_process.h"
#include "storage_node_copies.h"
#include "test_util.h"
#include "testing/eventually.h"
#include "testing/redis_server_process.h"

namespace kiln_test {
namespace {

constexpr int kInputFiles = 4;
constexpr size_t kInputFileBytes = 1 << 20;

size_t AppendTo(char* data, size_t size, size_t count, void* out) {
  static_cast<std::string*>(out)->append(data, size * count);
  return size * count;
}

std::string MetricsPage(const KilnProcess& process) {
  std::string page;
  CURL* curl = curl_easy_init();
  const std::string url = "http://127.0.0.1:" + std::to_string(process.http_port()) + "/metrics";
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, AppendTo);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &page);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, 10L);
  const CURLcode result = curl_easy_perform(curl);
  curl_easy_cleanup(curl);
  EXPECT_EQ(result, CURLE_OK) << url;
  return page;
}

// The bytes of CAS blobs `process` served to its clients (every size class), from /metrics.
double CasReadBytes(const KilnProcess& process) {
  const std::string page = MetricsPage(process);
  double total = 0;
  static const std::regex sample(R"(\nkiln_cas_read_bytes_total\{[^}]*\} ([0-9.e+]+))");
  for (auto it = std::sregex_iterator(page.begin(), page.end(), sample); it != std::sregex_iterator(); ++it) {
    total += std::stod((*it)[1]);
  }
  return total;
}

void WriteSecret(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
  ASSERT_EQ(::chmod(path.c_str(), 0600), 0);
}

template <typename Nodes>
double NodesCasReadBytes(const Nodes& nodes) {
  double total = 0;
  for (const auto& node : nodes) total += CasReadBytes(*node);
  return total;
}

class WorkerStorageTest : public ::testing::Test {
 protected:
  void TearDown() override {
    // Workers first, then frontends, then nodes: each stops without waiting for the next.
    for (auto& worker : workers_) {
      if (worker && worker->running()) EXPECT_EQ(worker->Stop(), 0) << worker->stdout_text();
    }
    if (frontend_ && frontend_->running()) EXPECT_EQ(frontend_->Stop(), 0) << frontend_->stdout_text();
    for (auto& node : nodes_) {
      if (node && node->running()) EXPECT_EQ(node->Stop(), 0) << node->stdout_text();
    }
  }

  // Node `index` again, on the address it had: the same name in the ring.
  void RestartNode(size_t index, const std::string& address, const std::vector<std::string>& flags) {
    std::vector<std::string> node_flags = {"--role", "storage", "--listen", address};
    node_flags.insert(node_flags.end(), flags.begin(), flags.end());
    std::string error;
    nodes_[index] = KilnProcess::Start(node_dirs_[index]->path(), node_flags, &error);
    ASSERT_TRUE(nodes_[index]) << error;
  }
  // With three nodes started with `node_flags` and a frontend over them whose handoff pass
  // runs every second: see AWorkersHintsOutliveIt below.
  void ExpectAWorkersHintsToOutliveIt(const std::vector<std::string>& node_flags);
  void StartNodes(int count, const std::vector<std::string>& flags) {
    for (int i = 0; i < count; ++i) {
      node_dirs_.push_back(std::make_unique<TempDir>());
      std::vector<std::string> node_flags = {"--role", "storage"};
      node_flags.insert(node_flags.end(), flags.begin(), flags.end());
      std::string error;
      nodes_.push_back(KilnProcess::Start(node_dirs_.back()->path(), node_flags, &error));
      ASSERT_TRUE(nodes_.back()) << error;
    }
  }
  std::string StartRedis() {
    auto redis = kiln::testing::RedisServerProcess::Start();
    EXPECT_TRUE(redis.ok()) << redis.status().ToString();
    if (!redis.ok()) return "";
    redis_ = std::move(redis).value();
    return redis_->url();
  }
  // A frontend over a static --cas list of the nodes (whose action cache must be in Redis).
  void StartStaticFrontend(std::vector<std::string> flags) {
    const std::string redis = StartRedis();
    ASSERT_FALSE(redis.empty());
    flags.insert(flags.end(), {"--cas", NodeList(), "--replication", "2", "--backplane", redis, "--action-cache", "redis"});
    StartFrontend(std::move(flags));
  }
  std::string NodeList() const {
    std::string list;
    for (const auto& node : nodes_) list += (list.empty() ? "grpc://" : ",grpc://") + node->address();
    return list;
  }
  void StartFrontend(std::vector<std::string> flags) {
    flags.insert(flags.end(), {"--workers", "0"});
    std::string error;
    frontend_ = KilnProcess::Start(frontend_dir_.path(), flags, &error);
    ASSERT_TRUE(frontend_) << error;
  }
  WorkerProcess* StartWorker(const std::vector<std::string>& flags) {
    work_dirs_.push_back(std::make_unique<TempDir>());
    std::string error;
    workers_.push_back(WorkerProcess::Start(frontend_->address(), work_dirs_.back()->path(),
                                            "worker-" + std::to_string(workers_.size()), flags, &error));
    EXPECT_TRUE(workers_.back()) << error;
    return workers_.back().get();
  }

  // An action reading kInputFiles fresh files of kInputFileBytes (uploaded through the
  // frontend, so onto the nodes), writing their total size to out.txt.
  reapi::Digest InputHeavyAction(uint64_t seed) {
    ActionSpec spec;
    spec.arguments = {"/bin/sh", "-c", "cat in* | wc -c > out.txt"};
    spec.environment = {{"PATH", "/usr/bin:/bin"}};
    spec.output_paths = {"out.txt"};
    for (int i = 0; i < kInputFiles; ++i) {
      const std::string data = PseudoRandomBytes(kInputFileBytes, seed * 100 + i);
      EXPECT_TRUE(BatchUpload(frontend_->cas(), "", {data}));
      auto* file = spec.input_root.add_files();
      file->set_name("in" + std::to_string(i));
      *file->mutable_digest() = ProtoDigestOf(data);
    }
    return UploadAction(frontend_->cas(), spec);
  }
  // Runs it; the output must say how many bytes the inputs were, and be on the nodes.
  void RunAndCheck(const reapi::Digest& action) {
    ExecuteResult run = Execute(frontend_->channel(), action, /*skip_cache_lookup=*/true);
    ASSERT_TRUE(run.status.ok()) << Describe(run.status);
    ASSERT_EQ(run.response.status().code(), 0) << Describe(run.response.status());
    ASSERT_EQ(run.response.result().exit_code(), 0);
    ASSERT_EQ(run.response.result().output_files_size(), 1);
    const reapi::Digest& out = run.response.result().output_files(0).digest();
    EXPECT_EQ(std::stoul(ReadBlobText(frontend_->bytestream(), out)), kInputFiles * kInputFileBytes);
  }
  // Runs an action and says where its inputs were read: how many bytes the frontend and
  // the nodes served meanwhile.
  std::pair<double, double> RunAndCount(uint64_t seed) {
    const reapi::Digest action = InputHeavyAction(seed);
    const double frontend_before = CasReadBytes(*frontend_);
    const double nodes_before = NodesCasReadBytes(nodes_);
    RunAndCheck(action);
    return {CasReadBytes(*frontend_) - frontend_before, NodesCasReadBytes(nodes_) - nodes_before};
  }

  std::unique_ptr<kiln::testing::RedisServerProcess> redis_;  // First: stopped last.
  std::vector<std::unique_ptr<TempDir>> node_dirs_, work_dirs_;
  TempDir frontend_dir_, secrets_;
  std::vector<std::unique_ptr<KilnProcess>> nodes_;
  std::unique_ptr<KilnProcess> frontend_;
  std::vector<std::unique_ptr<WorkerProcess>> workers_;
};

constexpr double kInputBytes = kInputFiles * kInputFileBytes;

TEST_F(WorkerStorageTest, AWorkerReadsInputsFromTheBackplanesRing) {
  const std::string redis = StartRedis();
  ASSERT_FALSE(redis.empty());
  ASSERT_NO_FATAL_FAILURE(StartNodes(3, {"--backplane", redis}));
  ASSERT_NO_FATAL_FAILURE(StartFrontend({"--backplane", redis, "--replication", "2"}));
  WorkerProcess* worker = StartWorker({"--storage", "direct"});
  ASSERT_TRUE(worker);
  ASSERT_TRUE(worker->WaitForStdout("reading and writing blobs on the storage nodes", 20'000))
      << worker->stdout_text();

  auto [frontend_read, nodes_read] = RunAndCount(1);
  EXPECT_LT(frontend_read, kInputFileBytes) << "the inputs went through the frontend";
  EXPECT_GE(nodes_read, kInputBytes);
  EXPECT_EQ(CopiesOnNodes(nodes_, std::to_string(kInputFiles * kInputFileBytes) + "\n"), 2)
      << "the output went to two nodes";

  // A fourth node joins: the frontend follows (within 2 s) and tells the worker, which reads
  // and writes on the new ring without reconnecting.
  ASSERT_NO_FATAL_FAILURE(StartNodes(1, {"--backplane", redis}));
  ASSERT_TRUE(worker->WaitForStdout(nodes_.back()->address(), 20'000)) << worker->stdout_text();
  auto [frontend_read_after, nodes_read_after] = RunAndCount(5);
  EXPECT_LT(frontend_read_after, kInputFileBytes) << "the inputs went through the frontend";
  EXPECT_GE(nodes_read_after, kInputBytes);
}

TEST_F(WorkerStorageTest, AWorkerReadsInputsFromAStaticCasList) {
  ASSERT_NO_FATAL_FAILURE(StartNodes(2, {}));
  ASSERT_NO_FATAL_FAILURE(StartStaticFrontend({}));
  WorkerProcess* worker = StartWorker({"--storage", "direct"});
  ASSERT_TRUE(worker);
  ASSERT_TRUE(worker->WaitForStdout("reading and writing blobs on the storage nodes", 20'000))
      << worker->stdout_text();
  auto [frontend_read, nodes_read] = RunAndCount(2);
  EXPECT_LT(frontend_read, kInputFileBytes) << "the inputs went through the frontend";
  EXPECT_GE(nodes_read, kInputBytes);
}

TEST_F(WorkerStorageTest, WithStorageFrontendTheWorkerReadsThroughTheFrontend) {
  ASSERT_NO_FATAL_FAILURE(StartNodes(2, {}));
  ASSERT_NO_FATAL_FAILURE(StartStaticFrontend({}));
  ASSERT_TRUE(StartWorker({"--storage", "frontend"}));
  auto [frontend_read, nodes_read] = RunAndCount(3);
  EXPECT_GE(frontend_read, kInputBytes);
}

TEST_F(WorkerStorageTest, AWorkerTheNodesRefuseWorksThroughTheFrontend) {
  // The nodes let in only the frontend's token: the worker, which has none, is refused, and
  // reads and writes through the frontend instead.
  const std::string auth_file = secrets_.path() + "/auth.json";
  const std::string token_file = secrets_.path() + "/frontend-token";
  WriteSecret(auth_file, R"({"principals": [{"name": "frontend", "token_sha256": [")" +
                             DigestOf("frontend-token").hash() +
                             R"("], "grants": [{"permissions": ["cas-read", "cas-write"]}]}],
                            "anonymous": {"grants": []}})");
  WriteSecret(token_file, "frontend-token\n");
  ASSERT_NO_FATAL_FAILURE(StartNodes(2, {"--auth-file", auth_file}));
  ASSERT_NO_FATAL_FAILURE(
      StartStaticFrontend({"--cas-token-file", token_file}));
  WorkerProcess* worker = StartWorker({"--storage", "direct"});
  ASSERT_TRUE(worker);
  ASSERT_TRUE(worker->WaitForStdout("reading and writing blobs on the storage nodes", 20'000))
      << worker->stdout_text();
  auto [frontend_read, nodes_read] = RunAndCount(4);
  EXPECT_GE(frontend_read, kInputBytes);
}

// AWorkersHintsOutliveIt: the hints a worker's writes leave reach the frontend, whose list
// outlives the worker. A node is stopped, an action's outputs are written past it, the worker
// stops (its own hints are lost with it), the node comes back, and the frontend's handoff pass
// copies each output the node owns to it.
void WorkerStorageTest::ExpectAWorkersHintsToOutliveIt(const std::vector<std::string>& node_flags) {
  WorkerProcess* worker = StartWorker({"--storage", "direct"});
  ASSERT_TRUE(worker);
  ASSERT_TRUE(worker->WaitForStdout("reading and writing blobs on the storage nodes", 20'000))
      << worker->stdout_text();

  // Which outputs the stopped node owns, placed as the frontend and the worker place them.
  std::vector<kiln::RingNode> ring_nodes;
  for (const auto& node : nodes_) ring_nodes.push_back({"grpc://" + node->address(), 1.0});
  const auto ring = kiln::RendezvousRing::Create(ring_nodes).value();
  constexpr size_t kStopped = 2;
  const std::string stopped_address = nodes_[kStopped]->address();
  ASSERT_EQ(nodes_[kStopped]->Stop(), 0);

  ActionSpec spec;
  spec.environment = {{"PATH", "/usr/bin:/bin"}};
  std::string script;
  std::vector<std::string> outputs, owned;
  for (int i = 0; i < 12; ++i) {
    outputs.push_back("output " + std::to_string(i) + " of the hinted writes\n");
    script += "printf 'output " + std::to_string(i) + " of the hinted writes\\n' > out" + std::to_string(i) + "; ";
    spec.output_paths.push_back("out" + std::to_string(i));
    const auto owners = ring.Owners(kiln::ComputeDigest(kiln::DigestFunction::kSha256, outputs.back()), 2);
    if (std::find(owners.begin(), owners.end(), kStopped) != owners.end()) owned.push_back(outputs.back());
  }
  ASSERT_FALSE(owned.empty()) << "no output is the stopped node's: nothing to hand off";
  spec.arguments = {"/bin/sh", "-c", script};
  ExecuteResult run = Execute(frontend_->channel(), UploadAction(frontend_->cas(), spec), /*skip_cache_lookup=*/true);
  ASSERT_TRUE(run.status.ok()) << Describe(run.status);
  ASSERT_EQ(run.response.result().exit_code(), 0) << worker->stdout_text();
  ASSERT_EQ(run.response.result().output_files_size(), 12);
  for (const std::string& data : outputs) EXPECT_EQ(CopiesOnNodes(nodes_, data), 2) << data;
  // The hints went before the result, on the same stream: the frontend has them all now.
  EXPECT_NE(MetricsPage(*frontend_).find("kiln_worker_storage_hints_total{outcome=\"listed\"} " +
                                         std::to_string(owned.size()) + "\n"),
            std::string::npos)
      << owned.size() << " hints expected\n" << MetricsPage(*frontend_);

  ASSERT_EQ(worker->Stop(), 0);
  ASSERT_NO_FATAL_FAILURE(RestartNode(kStopped, stopped_address, node_flags));
  const auto handed_off = [&] {
    size_t handed = 0;
    for (const std::string& data : owned) handed += NodeHolds(*nodes_[kStopped], data) ? 1 : 0;
    return handed;
  };
  // The handoff pass runs every second; the frontend reconnects to the node within one.
  EXPECT_TRUE(kiln::Eventually([&] { return handed_off() == owned.size(); }, std::chrono::seconds(15)))
      << handed_off() << " of " << owned.size() << " outputs reached the node that owns them";
}

TEST_F(WorkerStorageTest, AWorkersHintsOutliveItThroughAStaticListsFrontend) {
  ASSERT_NO_FATAL_FAILURE(StartNodes(3, {}));
  ASSERT_NO_FATAL_FAILURE(StartStaticFrontend({"--ring-handoff-interval", "1s"}));
  ExpectAWorkersHintsToOutliveIt({});
}

// The frontend of the backplane's ring lists them in Redis.
TEST_F(WorkerStorageTest, AWorkersHintsOutliveItThroughTheBackplane) {
  const std::string redis = StartRedis();
  ASSERT_FALSE(redis.empty());
  ASSERT_NO_FATAL_FAILURE(StartNodes(3, {"--backplane", redis}));
  ASSERT_NO_FATAL_FAILURE(StartFrontend({"--backplane", redis, "--replication", "2", "--ring-handoff-interval", "1s"}));
  ExpectAWorkersHintsToOutliveIt({"--backplane", redis});
}

// Not a check but a measurement, run only when asked (KILN_MEASURE_WORKER_STAGING=1): an action
// whose input tree is 200 MiB (400 files of 512 KiB; KILN_MEASURE_FILE_KIB changes the file
// size), staged by a fresh worker (empty input cache) reading from the nodes directly or
// through the frontend, alternately. Each run has inputs of its own, uploaded just before, so
// that no run finds them in the frontend's disk cache.
TEST_F(WorkerStorageTest, MeasureStagingDirectAndThroughTheFrontend) {
  if (std::getenv("KILN_MEASURE_WORKER_STAGING") == nullptr) GTEST_SKIP() << "set KILN_MEASURE_WORKER_STAGING=1";
  const char* file_kib = std::getenv("KILN_MEASURE_FILE_KIB");
  const size_t file_bytes = (file_kib ? std::stoul(file_kib) : 512) << 10;
  const int files = static_cast<int>((size_t{200} << 20) / file_bytes);
  ASSERT_NO_FATAL_FAILURE(StartNodes(3, {}));
  ASSERT_NO_FATAL_FAILURE(StartStaticFrontend({}));
  for (int round = 0; round < 3; ++round) {
    for (const char* mode : {"direct", "frontend"}) {
      ActionSpec spec;
      spec.arguments = {"/bin/sh", "-c", "ls | wc -l > out.txt"};
      spec.environment = {{"PATH", "/usr/bin:/bin"}};
      spec.output_paths = {"out.txt"};
      for (int i = 0; i < files; ++i) {
        const std::string data = PseudoRandomBytes(file_bytes, (round * 2 + (mode[0] == 'd')) * 100'000 + i);
        if (file_bytes <= (1 << 20)) {
          ASSERT_TRUE(BatchUpload(frontend_->cas(), "", {data}));
        } else {
          int64_t committed = 0;
          ASSERT_TRUE(ByteStreamWrite(frontend_->bytestream(), WriteName("", data), data, 1 << 20, &committed).ok());
        }
        auto* file = spec.input_root.add_files();
        char name[16];
        std::snprintf(name, sizeof name, "in%04d", i);
        file->set_name(name);
        *file->mutable_digest() = ProtoDigestOf(data);
      }
      WorkerProcess* worker = StartWorker({"--storage", mode});
      ASSERT_TRUE(worker);
      if (std::string(mode) == "direct") {
        ASSERT_TRUE(worker->WaitForStdout("reading and writing blobs on the storage nodes", 20'000));
      }
      const reapi::Digest action = UploadAction(frontend_->cas(), spec);
      const auto start = std::chrono::steady_clock::now();
      ExecuteResult run = Execute(frontend_->channel(), action, /*skip_cache_lookup=*/true);
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      ASSERT_TRUE(run.status.ok()) << Describe(run.status);
      ASSERT_EQ(run.response.result().exit_code(), 0);
      std::printf("staging 200 MiB (%d files), round %d, %-8s: %.2f s\n", files, round, mode, seconds);
      std::fflush(stdout);
      ASSERT_EQ(worker->Stop(), 0);
    }
  }
}

}  // namespace
}  // namespace kiln_test
