// The farm under fire, as real processes: a Redis Cluster (3 masters, 3 replicas), a storage
// node, two frontends on the cluster backplane sharing it, and three `kiln worker --scheduler
// A,B`. While a Bazel-like client (retrying_execution.h) builds 200 distinct actions through
// both frontends, a frontend, a worker and the Redis master holding the scheduler's keys are
// killed with SIGKILL at random moments (seeded; KILN_CHAOS_SEED repeats a run), and the
// frontend comes back on its port. Every action must end with exit 0 and its right output,
// none may run more than 3 times (each run appends its index to a run log: --sandbox none),
// and no call may wait on an operation that stopped moving.
#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <random>
#include <sstream>
#include <thread>

#include "execution_util.h"
#include "redis/redis_key_slot.h"
#include "remote_worker_process.h"
#include "retrying_execution.h"
#include "testing/redis_cluster.h"

namespace kiln_test {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int kActions = 200;
constexpr int kClientThreads = 64;  // Bazel's --jobs.
constexpr int kWorkers = 3;
constexpr int kSlotsPerWorker = 3;
// The shortest lease kiln takes: how long a dead frontend's assignments that no worker took
// along wait before they are queued again.
constexpr const char* kLease = "3s";
// The whole build, chaos included, must end within this.
constexpr std::chrono::seconds kBuildBound{90};

// One action of the build: its index is in its input, its output is the input upper-cased.
struct ChaosAction {
  int index = 0;
  std::string input;
  std::string expected_output;
  reapi::Digest digest;
};

std::string Join(const std::vector<std::string>& lines) {
  std::string text;
  for (const std::string& line : lines) text += "    " + line + "\n";
  return text;
}

uint64_t ChooseSeed() {
  if (const char* given = std::getenv("KILN_CHAOS_SEED")) return std::strtoull(given, nullptr, 10);
  return std::random_device()();
}

class FarmChaosTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto cluster = kiln::testing::RedisCluster::Start();
    ASSERT_TRUE(cluster.ok()) << cluster.status().ToString();
    cluster_ = std::move(cluster).value();
    std::string error;
    storage_ = KilnProcess::Start(storage_dir_.path(), {"--role", "storage"}, &error);
    ASSERT_TRUE(storage_) << error;
    for (int i = 0; i < 2; ++i) {
      frontends_[i] = StartFrontend(i, {});
      ASSERT_TRUE(frontends_[i]);
      channels_.push_back(frontends_[i]->channel());
    }
    const std::string both = frontends_[0]->address() + "," + frontends_[1]->address();
    for (int i = 0; i < kWorkers; ++i) {
      workers_.push_back(WorkerProcess::Start(both, worker_dirs_[i].path(), "chaos-worker-" + std::to_string(i),
                                              {"--sandbox", "none", "--slots", std::to_string(kSlotsPerWorker)},
                                              &error));
      ASSERT_TRUE(workers_.back()) << error;
    }
  }

  void TearDown() override {
    // What was not killed (the killed worker is gone from workers_, the killed frontend was
    // started again) must still run and stop cleanly: nothing crashed along the way.
    for (auto& worker : workers_) {
      if (worker) EXPECT_EQ(worker->Stop(SIGTERM), 0) << worker->worker_id() << ": " << worker->stdout_text();
    }
    for (KilnProcess* process : {frontends_[0].get(), frontends_[1].get(), storage_.get()}) {
      if (process) EXPECT_EQ(process->Stop(), 0) << process->stdout_text();
    }
  }

  // `extra`: e.g. --listen to come back on the same port.
  std::unique_ptr<KilnProcess> StartFrontend(int i, std::vector<std::string> extra) {
    std::string url = "redis://";
    for (size_t node = 0; node < cluster_->size(); ++node) {
      url += (node ? "," : "") + std::string("127.0.0.1:") + std::to_string(cluster_->node(node).port());
    }
    std::vector<std::string> flags = {"--backplane", url, "--backplane-lease", kLease,
                                      "--cas", "grpc://" + storage_->address(),
                                      "--workers", "0", "--allow-remote-workers"};
    flags.insert(flags.end(), extra.begin(), extra.end());
    std::string error;
    auto frontend = KilnProcess::Start(frontend_dirs_[i].path(), flags, &error);
    EXPECT_TRUE(frontend) << error;
    return frontend;
  }

  // Uploads the build's actions (through frontend 0, in batches).
  std::vector<ChaosAction> UploadActions(uint64_t seed) {
    std::vector<ChaosAction> actions;
    std::vector<std::string> blobs;
    for (int i = 0; i < kActions; ++i) {
      ChaosAction action;
      action.index = i;
      action.input = "chaos " + std::to_string(seed) + " action " + std::to_string(i) + "\n";
      action.expected_output = action.input;
      std::transform(action.expected_output.begin(), action.expected_output.end(), action.expected_output.begin(),
                     [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
      reapi::Directory root;
      reapi::FileNode* file = root.add_files();
      file->set_name("in.txt");
      *file->mutable_digest() = ProtoDigestOf(action.input);
      reapi::Command command;
      const std::string sleep = std::vector<std::string>{"0.2", "0.4", "0.6", "0.8", "1.0"}[i % 5];
      for (const std::string& argument :
           {std::string("/bin/sh"), std::string("-c"),
            "echo " + std::to_string(i) + " >> " + run_log() + "; sleep " + sleep + "; tr a-z A-Z < in.txt > out.txt"}) {
        command.add_arguments(argument);
      }
      auto* path = command.add_environment_variables();
      path->set_name("PATH");
      path->set_value("/usr/bin:/bin");
      command.add_output_paths("out.txt");
      reapi::Action message;
      *message.mutable_command_digest() = ProtoDigestOf(command.SerializeAsString());
      *message.mutable_input_root_digest() = ProtoDigestOf(root.SerializeAsString());
      action.digest = ProtoDigestOf(message.SerializeAsString());
      for (std::string blob : {action.input, root.SerializeAsString(), command.SerializeAsString(),
                               message.SerializeAsString()}) {
        blobs.push_back(std::move(blob));
      }
      actions.push_back(std::move(action));
    }
    for (size_t start = 0; start < blobs.size(); start += 200) {
      const std::vector<std::string> batch(blobs.begin() + start,
                                           blobs.begin() + std::min(blobs.size(), start + 200));
      EXPECT_TRUE(BatchUpload(frontends_[0]->cas(), "", batch));
    }
    return actions;
  }

  // How many times each action started, from the run log.
  std::map<int, int> RunsPerAction() const {
    std::map<int, int> runs;
    std::ifstream log(run_log());
    int index;
    while (log >> index) ++runs[index];
    return runs;
  }

  std::string run_log() const { return log_dir_.path() + "/runs.log"; }

  std::unique_ptr<kiln::testing::RedisCluster> cluster_;
  TempDir storage_dir_, frontend_dirs_[2], worker_dirs_[kWorkers], log_dir_;
  std::unique_ptr<KilnProcess> storage_;
  std::unique_ptr<KilnProcess> frontends_[2];
  std::vector<std::shared_ptr<grpc::Channel>> channels_;  // Frontend i's; they outlive a restart.
  std::vector<std::unique_ptr<WorkerProcess>> workers_;
};

TEST_F(FarmChaosTest, EveryActionEndsRightWhileAFrontendAWorkerAndARedisMasterAreKilled) {
  const uint64_t seed = ChooseSeed();
  std::cout << "farm chaos seed " << seed << " (KILN_CHAOS_SEED=" << seed << " repeats it)" << std::endl;
  std::mt19937_64 random(seed);
  const std::vector<ChaosAction> actions = UploadActions(seed);
  ASSERT_FALSE(HasFailure());

  // The moments, after the build starts, of each kill.
  std::uniform_int_distribution<int> moment_ms(500, 8000);
  const int doomed_frontend = static_cast<int>(random() % 2);
  const int doomed_worker = static_cast<int>(random() % kWorkers);
  const auto frontend_at = std::chrono::milliseconds(moment_ms(random));
  const auto worker_at = std::chrono::milliseconds(moment_ms(random));
  const auto redis_at = std::chrono::milliseconds(moment_ms(random));
  std::cout << "kill -9 frontend " << doomed_frontend << " at " << frontend_at.count() << " ms (back 2 s later), worker "
            << doomed_worker << " at " << worker_at.count() << " ms, the scheduler's Redis master at "
            << redis_at.count() << " ms" << std::endl;

  std::atomic<int> finished{0};
  std::mutex log_mutex;
  const auto start = Clock::now();
  auto note = [&](const std::string& what) {
    std::lock_guard lock(log_mutex);
    std::cout << "  +" << std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count()
              << " ms, " << finished.load() << " actions done: " << what << std::endl;
  };
  std::vector<int> done_at_kill;  // Guarded by log_mutex.
  auto record_kill = [&] {
    std::lock_guard lock(log_mutex);
    done_at_kill.push_back(finished.load());
  };

  std::vector<std::thread> chaos;
  chaos.emplace_back([&] {
    std::this_thread::sleep_until(start + worker_at);
    record_kill();
    workers_[doomed_worker]->Kill9();
    workers_[doomed_worker].reset();
    note("killed worker " + std::to_string(doomed_worker));
  });
  chaos.emplace_back([&] {
    std::this_thread::sleep_until(start + redis_at);
    const int master = cluster_->MasterOfSlot(kiln::redis::KeySlot("kiln:{kiln}:anchor"));
    if (master < 0) {
      note("no master serves the scheduler's slot");
      return;
    }
    record_kill();
    note("killing Redis node " + std::to_string(master));
    auto promoted = cluster_->KillMaster(master);
    note(promoted.ok() ? "Redis node " + std::to_string(*promoted) + " took over"
                       : "failover: " + promoted.status().ToString());
  });

  RetryPolicy policy;
  policy.give_up_at = start + kBuildBound;
  std::vector<RetriedExecution> outcomes(actions.size());
  std::atomic<size_t> next{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < kClientThreads; ++t) {
    clients.emplace_back([&] {
      for (size_t i = next++; i < actions.size(); i = next++) {
        outcomes[i] = ExecuteWithRetries(channels_, i % 2, actions[i].digest, policy);
        ++finished;
      }
    });
  }
  // The frontend is killed and started again from this thread: a process dies with the
  // thread that started it (child_process.h), and this one lasts until the test is over.
  std::this_thread::sleep_until(start + frontend_at);
  const int port = frontends_[doomed_frontend]->port();
  record_kill();
  frontends_[doomed_frontend]->Kill9();
  note("killed frontend " + std::to_string(doomed_frontend));
  std::this_thread::sleep_for(std::chrono::seconds(2));
  frontends_[doomed_frontend] = StartFrontend(doomed_frontend, {"--listen", "127.0.0.1:" + std::to_string(port)});
  note(frontends_[doomed_frontend] ? "frontend back" : "frontend did not come back");

  for (auto& client : clients) client.join();
  const auto build_time = Clock::now() - start;
  for (auto& thread : chaos) thread.join();
  note("build over");

  // The kills hit a build in progress.
  ASSERT_EQ(done_at_kill.size(), 3u);
  for (int done : done_at_kill) EXPECT_LT(done, kActions);
  EXPECT_LT(build_time, kBuildBound);

  // Every action succeeded, with its right output, and none got stuck.
  KilnProcess& reader = frontends_[0] && frontends_[0]->running() ? *frontends_[0] : *frontends_[1];
  int failures = 0, executes = 0, waits = 0, reexecuted = 0;
  for (size_t i = 0; i < actions.size(); ++i) {
    const RetriedExecution& outcome = outcomes[i];
    executes += outcome.executes;
    waits += outcome.waits;
    if (outcome.executes > 1) ++reexecuted;
    const bool right = outcome.succeeded && outcome.deadlines_reached == 0 &&
                       outcome.response.result().exit_code() == 0 &&
                       outcome.response.result().output_files_size() == 1 &&
                       ReadBlobText(reader.bytestream(), outcome.response.result().output_files(0).digest()) ==
                           actions[i].expected_output;
    if (!right && ++failures <= 10) {
      ADD_FAILURE() << "action " << i << " (" << actions[i].digest.hash() << "): succeeded " << outcome.succeeded
                    << ", exit code " << outcome.response.result().exit_code() << ", "
                    << outcome.deadlines_reached << " calls reached their deadline; calls:\n"
                    << Join(outcome.history);
    }
  }
  EXPECT_EQ(failures, 0);

  // Nothing ran more than 3 times.
  const std::map<int, int> runs = RunsPerAction();
  std::map<int, int> histogram;  // Runs -> actions.
  for (int i = 0; i < kActions; ++i) {
    const auto it = runs.find(i);
    const int count = it == runs.end() ? 0 : it->second;
    ++histogram[count];
    EXPECT_LE(count, 3) << "action " << i << " ran " << count << " times; calls:\n" << Join(outcomes[i].history);
  }
  std::ostringstream summary;
  summary << "farm chaos: " << kActions << " actions in "
          << std::chrono::duration_cast<std::chrono::milliseconds>(build_time).count() << " ms; " << executes
          << " Execute and " << waits << " WaitExecution calls, " << reexecuted
          << " actions executed more than once; runs per action:";
  for (auto [count, how_many] : histogram) summary << " " << count << "x" << how_many;
  std::cout << summary.str() << std::endl;
}

}  // namespace
}  // namespace kiln_test
