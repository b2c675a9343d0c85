// Execution at scale: many concurrent streams must not each hold a server thread, and a
// large batch of actions must all complete.
#include <atomic>
#include <iostream>
#include <set>
#include <thread>

#include "execution_util.h"

namespace kiln_test {
namespace {

class ExecutionScaleTest : public KilnServerTest {
 protected:
  std::vector<std::string> ServerFlags() const override { return {"--workers", "2"}; }
};

TEST_F(ExecutionScaleTest, HundredsOfWaitingStreamsDoNotEachHoldAThread) {
  constexpr int kClients = 300;
  // Spread over three connections, as Bazel spreads its calls (at most 100 a connection):
  // one connection holds at most --max-streams-per-connection (256) calls at once, and the
  // calls it holds back would start only after the action ended, as cache hits.
  constexpr int kConnections = 3;
  std::vector<std::shared_ptr<grpc::Channel>> channels;
  for (int i = 0; i < kConnections; ++i) channels.push_back(server().NewChannel());
  ActionSpec spec;
  spec.arguments = {"/bin/sh", "-c", "sleep 3; echo done"};
  const reapi::Digest action = UploadAction(cas(), spec);
  const int threads_before = ThreadCount(server().pid());
  std::atomic<int> streaming{0};
  std::vector<ExecuteResult> results(kClients);
  std::vector<std::thread> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.emplace_back([&, i] {
      ++streaming;
      results[i] = Execute(channels[i % kConnections], action);
    });
  }
  // Let every stream reach the server and wait on the (merged) running operation.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (streaming < kClients && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  const int threads_during = ThreadCount(server().pid());
  for (auto& client : clients) client.join();

  std::cout << "server threads: " << threads_before << " idle, " << threads_during << " with " << kClients
            << " streams waiting\n";
  // gRPC's pollers and executors plus the worker slots: a fixed pool, not one per stream.
  EXPECT_LT(threads_during - threads_before, 50) << "before " << threads_before << ", during " << threads_during;
  std::set<std::string> names;
  for (const ExecuteResult& result : results) {
    ASSERT_TRUE(result.status.ok()) << Describe(result.status);
    ASSERT_FALSE(result.updates.empty());
    names.insert(result.updates.back().name());
    EXPECT_EQ(result.response.result().exit_code(), 0);
  }
  EXPECT_EQ(names.size(), 1u) << "identical in-flight actions must share one operation";
}

TEST_F(ExecutionScaleTest, AThousandActionsAllComplete) {
  constexpr int kActions = 1000;
  constexpr int kClients = 100;
  std::vector<reapi::Digest> actions;
  for (int i = 0; i < kActions; ++i) {
    ActionSpec spec;
    spec.arguments = {"/bin/true"};
    spec.salt = "action-" + std::to_string(i);
    actions.push_back(UploadAction(cas(), spec));
  }
  std::atomic<int> next{0};
  std::atomic<int> succeeded{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&] {
      for (int i = next++; i < kActions; i = next++) {
        reapi::ExecuteRequest request;
        *request.mutable_action_digest() = actions[i];
        ExecuteResult result = Execute(server().channel(), request, std::chrono::seconds(120));
        if (result.status.ok() && result.response.status().code() == 0 && result.response.result().exit_code() == 0) {
          ++succeeded;
        }
      }
    });
  }
  for (auto& client : clients) client.join();
  EXPECT_EQ(succeeded.load(), kActions);
}

}  // namespace
}  // namespace kiln_test
