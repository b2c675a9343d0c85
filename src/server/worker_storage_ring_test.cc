// The storage ring on the worker stream: a frontend whose CAS is a ring tells each worker the
// ring once it is registered, before any assignment, and again when the ring changes; a
// frontend without one tells nothing. The hints a worker sends back reach the frontend's
// list, if it has one, and are ignored otherwise.
#include <gtest/gtest.h>
#include <grpcpp/grpcpp.h>

#include "ac/local_action_cache.h"
#include "ac/record_store.h"
#include "cas/memory_blob_store.h"
#include "scheduler/in_process_scheduler.h"
#include "server/worker_service.h"
#include "server/worker_test_support.h"
#include "testing/eventually.h"
#include "worker/storage_hint_message.h"
#include "worker/storage_ring_message.h"

namespace kiln {
namespace {

using worker_test::HandDrivenWorker;

const Caller kClient{"client", false};

StorageRingConfig Ring(std::vector<std::string> names) {
  StorageRingConfig ring;
  ring.replicas = 2;
  for (auto& name : names) ring.nodes.push_back(RingNode{name, 1.0});
  return ring;
}

class WorkerStorageRingTest : public ::testing::Test {
 protected:
  void Serve(StorageRingPublisher* rings, WorkerHintIntake* hints = nullptr) {
    scheduler_ = std::make_unique<InProcessScheduler>(&clock_, SchedulerOptions());
    service_ = std::make_unique<WorkerService>(scheduler_.get(), &cache_, nullptr, &no_auth_);
    service_->set_storage_rings(rings);
    service_->set_storage_hints(hints);
    worker_test::ServiceOnLoopback served = worker_test::ServeOnLoopback(service_.get());
    server_ = std::move(served.server);
    channel_ = std::move(served.channel);
  }
  void TearDown() override {
    scheduler_->Shutdown();
    server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  }
  std::string Enqueue() {
    QueuedAction action;
    action.action_digest = ComputeDigest(DigestFunction::kSha256, "action");
    return scheduler_->Enqueue(kClient, std::move(action)).value();
  }
  static StorageRingConfig NextRing(HandDrivenWorker& worker, bool* accepts_hints = nullptr) {
    wire::SchedulerMessage message;
    EXPECT_TRUE(worker.Read(&message));
    EXPECT_TRUE(message.has_storage_ring()) << message.DebugString();
    if (accepts_hints) *accepts_hints = message.storage_ring().accepts_storage_hints();
    return StorageRingFromMessage(message.storage_ring()).value();
  }
  static wire::WorkerMessage HintsMessage(const std::vector<BlobHint>& hints) {
    wire::WorkerMessage message;
    *message.mutable_storage_hints() = StorageHintsMessage(hints);
    return message;
  }

  StorageRingPublisher rings_;  // Outlives the streams, which unsubscribe as they end.
  FakeClock clock_;
  MemoryBlobStore cas_;
  MemoryRecordStore records_;
  LocalActionCache cache_{&records_, &cas_, 1 << 20};
  std::unique_ptr<Scheduler> scheduler_;
  CallAuthorizer no_auth_{nullptr, nullptr};
  std::unique_ptr<WorkerService> service_;
  std::unique_ptr<grpc::Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
};

TEST_F(WorkerStorageRingTest, AWorkerIsToldTheRingFirstAndEachChange) {
  StorageRingPublisher& rings = rings_;
  rings.Publish(Ring({"grpc://a:1", "grpc://b:1"}));
  Serve(&rings);
  HandDrivenWorker worker(channel_);
  ASSERT_TRUE(worker.Hello("w"));
  Enqueue();  // Queued before the worker asks: its assignment is ready at once.
  ASSERT_TRUE(worker.RequestWork());
  EXPECT_EQ(NextRing(worker), Ring({"grpc://a:1", "grpc://b:1"}));
  wire::SchedulerMessage message;
  ASSERT_TRUE(worker.Read(&message));
  EXPECT_TRUE(message.has_assignment()) << message.DebugString();

  rings.Publish(Ring({"grpc://a:1", "grpc://b:1", "grpc://c:1"}));
  EXPECT_EQ(NextRing(worker), Ring({"grpc://a:1", "grpc://b:1", "grpc://c:1"}));
}

TEST_F(WorkerStorageRingTest, TheHintsAWorkerSendsReachTheFrontendsList) {
  rings_.Publish(Ring({"grpc://a:1", "grpc://b:1"}));
  MemoryHintList list(1000);
  WorkerHintIntake intake(&rings_, &list);
  Serve(&rings_, &intake);
  HandDrivenWorker worker(channel_);
  ASSERT_TRUE(worker.Hello("w"));
  bool accepts = false;
  NextRing(worker, &accepts);
  EXPECT_TRUE(accepts);
  const Digest blob = ComputeDigest(DigestFunction::kSha256, "output");
  ASSERT_TRUE(worker.Send(HintsMessage({{blob, "grpc://b:1"}, {blob, "grpc://elsewhere:1"}})));
  ASSERT_TRUE(Eventually([&] { return intake.totals().listed + intake.totals().refused == 2; }));
  std::vector<BlobHint> listed = list.Take(10);
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].owner, "grpc://b:1");
  EXPECT_EQ(listed[0].digest, blob);
  // The stream goes on: a refused hint is not a protocol violation.
  const std::string name = Enqueue();
  ASSERT_TRUE(worker.RequestWork());
  wire::SchedulerMessage message;
  ASSERT_TRUE(worker.Read(&message));
  EXPECT_EQ(message.assignment().operation_name(), name) << message.DebugString();
}

TEST_F(WorkerStorageRingTest, AFrontendWithoutAHintListSaysSoAndIgnoresHints) {
  rings_.Publish(Ring({"grpc://a:1"}));
  Serve(&rings_);
  HandDrivenWorker worker(channel_);
  ASSERT_TRUE(worker.Hello("w"));
  bool accepts = true;
  NextRing(worker, &accepts);
  EXPECT_FALSE(accepts);
  ASSERT_TRUE(worker.Send(HintsMessage({{ComputeDigest(DigestFunction::kSha256, "x"), "grpc://a:1"}})));
  const std::string name = Enqueue();
  ASSERT_TRUE(worker.RequestWork());
  wire::SchedulerMessage message;
  ASSERT_TRUE(worker.Read(&message));
  EXPECT_EQ(message.assignment().operation_name(), name) << message.DebugString();
}

TEST_F(WorkerStorageRingTest, AFrontendWithoutARingTellsNothing) {
  Serve(nullptr);
  HandDrivenWorker worker(channel_);
  ASSERT_TRUE(worker.Hello("w"));
  const std::string name = Enqueue();
  ASSERT_TRUE(worker.RequestWork());
  wire::SchedulerMessage message;
  ASSERT_TRUE(worker.Read(&message));
  EXPECT_TRUE(message.has_assignment()) << message.DebugString();
  EXPECT_EQ(message.assignment().operation_name(), name);
}

TEST_F(WorkerStorageRingTest, AWorkerThatLeftIsToldNoMore) {
  StorageRingPublisher& rings = rings_;
  rings.Publish(Ring({"grpc://a:1"}));
  Serve(&rings);
  {
    HandDrivenWorker worker(channel_);
    ASSERT_TRUE(worker.Hello("w"));
    EXPECT_EQ(NextRing(worker), Ring({"grpc://a:1"}));
    worker.Disconnect();
  }
  // Publishing after the stream ended reaches nobody (and must not crash).
  for (int i = 0; i < 20; ++i) {
    rings.Publish(Ring({"grpc://a:1", "grpc://n" + std::to_string(i) + ":1"}));
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  HandDrivenWorker again(channel_);
  ASSERT_TRUE(again.Hello("w2"));
  EXPECT_EQ(NextRing(again), Ring({"grpc://a:1", "grpc://n19:1"}));
}

}  // namespace
}  // namespace kiln
