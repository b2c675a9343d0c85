// WorkerService against a real in-process frontend, with the worker's side of the stream
// driven by hand: registration rules, assignments for enqueued actions, completion and
// caching, re-queueing when a worker disconnects, and cancellation.
#include "server/worker_service.h"

#include <gtest/gtest.h>

#include "google/bytestream/bytestream.grpc.pb.h"
#include "google/rpc/error_details.pb.h"
#include "server/worker_test_support.h"

namespace kiln {
namespace {

using namespace worker_test;  // NOLINT: test support only.

bool IsExecutingOn(const google::longrunning::Operation& update, const std::string& worker_id) {
  reapi::ExecuteOperationMetadata metadata = MetadataOf(update);
  return metadata.stage() == reapi::ExecutionStage::EXECUTING &&
         metadata.partial_execution_metadata().worker() == worker_id;
}

class WorkerServiceTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(frontend_.Start().ok()); }
  void TearDown() override { frontend_.Stop(); }

  // A worker registered under `worker_id` with one outstanding work request.
  std::unique_ptr<HandDrivenWorker> ReadyWorker(const std::string& worker_id) {
    auto worker = std::make_unique<HandDrivenWorker>(frontend_.channel());
    EXPECT_TRUE(worker->Hello(worker_id));
    EXPECT_TRUE(worker->RequestWork());
    return worker;
  }

  // Reads the next message, which must be an assignment.
  wire::Assignment NextAssignment(HandDrivenWorker& worker) {
    wire::SchedulerMessage message;
    EXPECT_TRUE(worker.Read(&message));
    EXPECT_TRUE(message.has_assignment()) << message.DebugString();
    return message.assignment();
  }

  reapi::ActionResult ResultWithStdout(const std::string& text) {
    reapi::ActionResult result;
    *result.mutable_stdout_digest() = frontend_.Upload(text);
    return result;
  }

  InProcessFrontend frontend_;
};

TEST_F(WorkerServiceTest, FirstMessageMustBeHello) {
  HandDrivenWorker worker(frontend_.channel());
  ASSERT_TRUE(worker.RequestWork());
  grpc::Status status = worker.Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("Hello"), std::string::npos) << status.error_message();

  HandDrivenWorker nameless(frontend_.channel());
  EXPECT_FALSE(nameless.Hello(""));
  EXPECT_EQ(nameless.Finish().error_code(), grpc::StatusCode::INVALID_ARGUMENT);

  HandDrivenWorker twice(frontend_.channel());
  ASSERT_TRUE(twice.Hello("twice"));
  wire::WorkerMessage hello;
  hello.mutable_hello()->set_worker_id("twice");
  ASSERT_TRUE(twice.Send(hello));
  EXPECT_EQ(twice.Finish().error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(WorkerServiceTest, WorkerIdOfALiveConnectionIsRefused) {
  auto first = std::make_unique<HandDrivenWorker>(frontend_.channel());
  ASSERT_TRUE(first->Hello("same"));
  HandDrivenWorker second(frontend_.channel());
  EXPECT_FALSE(second.Hello("same"));
  EXPECT_EQ(second.Finish().error_code(), grpc::StatusCode::ALREADY_EXISTS);

  // Once the first connection is gone, the id is free again (the frontend notices the
  // disconnect asynchronously, hence the bounded retries).
  first->Disconnect();
  first.reset();
  bool registered = false;
  for (int attempt = 0; attempt < 100 && !registered; ++attempt) {
    HandDrivenWorker again(frontend_.channel());
    registered = again.Hello("same");
    if (!registered) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_TRUE(registered);
}

TEST_F(WorkerServiceTest, AssignmentRunsAndItsResultCompletesTheOperationAndIsCached) {
  auto worker = ReadyWorker("w1");
  Digest action = frontend_.UploadShellAction("echo hi");
  ExecutionStream execution(frontend_.channel(), action);

  wire::Assignment assignment = NextAssignment(*worker);
  EXPECT_EQ(assignment.operation_name(), execution.Name());
  EXPECT_EQ(assignment.action_digest().hash(), action.hash());
  EXPECT_EQ(assignment.action_digest().size_bytes(), action.size());
  EXPECT_EQ(assignment.digest_function(), reapi::DigestFunction::SHA256);
  EXPECT_EQ(assignment.instance_name(), "");
  ASSERT_EQ(assignment.command().arguments_size(), 3);
  EXPECT_EQ(assignment.command().arguments(2), "echo hi");
  EXPECT_TRUE(assignment.action().has_command_digest());

  ASSERT_TRUE(worker->Started(assignment.operation_name()));
  EXPECT_TRUE(execution.WaitFor([](const auto& update) { return IsExecutingOn(update, "w1"); }));
  reapi::ActionResult result = ResultWithStdout("hi\n");
  ASSERT_TRUE(worker->Finished(assignment.operation_name(), result, google::rpc::Status()));

  reapi::ExecuteResponse response;
  ASSERT_TRUE(execution.Finish(&response).ok());
  EXPECT_EQ(response.status().code(), 0);
  EXPECT_FALSE(response.cached_result());
  EXPECT_EQ(response.result().stdout_digest().hash(), result.stdout_digest().hash());
  EXPECT_EQ(response.result().execution_metadata().worker(), "w1");

  ExecutionStream again(frontend_.channel(), action);
  reapi::ExecuteResponse cached;
  ASSERT_TRUE(again.Finish(&cached).ok());
  EXPECT_TRUE(cached.cached_result());
}

TEST_F(WorkerServiceTest, DisconnectMidActionRequeuesItToAnotherWorker) {
  auto lost = ReadyWorker("lost");
  ExecutionStream execution(frontend_.channel(), frontend_.UploadShellAction("echo requeued"));
  wire::Assignment first = NextAssignment(*lost);
  ASSERT_TRUE(lost->Started(first.operation_name()));
  ASSERT_TRUE(execution.WaitFor([](const auto& update) { return IsExecutingOn(update, "lost"); }));

  auto other = ReadyWorker("other");
  lost->Disconnect();
  wire::Assignment second = NextAssignment(*other);
  EXPECT_EQ(second.operation_name(), first.operation_name());
  ASSERT_TRUE(other->Started(second.operation_name()));
  ASSERT_TRUE(other->Finished(second.operation_name(), ResultWithStdout("requeued\n"), google::rpc::Status()));

  reapi::ExecuteResponse response;
  ASSERT_TRUE(execution.Finish(&response).ok());
  EXPECT_EQ(response.status().code(), 0);
  EXPECT_EQ(response.result().execution_metadata().worker(), "other");
}

TEST_F(WorkerServiceTest, AssignmentsCarryLogStreamsThatALostWorkerCannotLeaveOpen) {
  auto worker = ReadyWorker("w1");
  ExecutionStream execution(frontend_.channel(), frontend_.UploadShellAction("echo live"));
  wire::Assignment assignment = NextAssignment(*worker);
  ASSERT_FALSE(assignment.stdout_log_write_name().empty());
  ASSERT_FALSE(assignment.stderr_log_write_name().empty());
  ASSERT_TRUE(worker->Started(assignment.operation_name()));
  std::string stdout_stream;
  ASSERT_TRUE(execution.WaitFor([&](const auto& update) {
    stdout_stream = MetadataOf(update).stdout_stream_name();
    return IsExecutingOn(update, "w1") && !stdout_stream.empty();
  }));
  EXPECT_EQ(assignment.stdout_log_write_name().rfind(stdout_stream + "/", 0), 0u) << "write name of that stream";

  // The worker forwards some output and then vanishes without finish_write.
  auto bytestream = google::bytestream::ByteStream::NewStub(frontend_.channel());
  {
    grpc::ClientContext context;
    context.set_deadline(Deadline());
    google::bytestream::WriteResponse response;
    auto writer = bytestream->Write(&context, &response);
    google::bytestream::WriteRequest request;
    request.set_resource_name(assignment.stdout_log_write_name());
    request.set_data("partial");
    ASSERT_TRUE(writer->Write(request));
    writer->WritesDone();
    ASSERT_TRUE(writer->Finish().ok());
    EXPECT_EQ(response.committed_size(), 7);
  }
  worker->Disconnect();

  // Its stream is finalized with what arrived, so readers are not left waiting.
  grpc::ClientContext context;
  context.set_deadline(Deadline());
  google::bytestream::ReadRequest request;
  request.set_resource_name(stdout_stream);
  auto reader = bytestream->Read(&context, request);
  std::string received;
  google::bytestream::ReadResponse chunk;
  while (reader->Read(&chunk)) received += chunk.data();
  EXPECT_TRUE(reader->Finish().ok());
  EXPECT_EQ(received, "partial");
}

TEST_F(WorkerServiceTest, CancelOperationSendsACancellationToTheWorker) {
  auto worker = ReadyWorker("w1");
  ExecutionStream execution(frontend_.channel(), frontend_.UploadShellAction("sleep 60"));
  wire::Assignment assignment = NextAssignment(*worker);
  ASSERT_TRUE(worker->Started(assignment.operation_name()));

  ASSERT_TRUE(execution.Cancel().ok());

  wire::SchedulerMessage message;
  ASSERT_TRUE(worker->Read(&message));
  ASSERT_TRUE(message.has_cancellation()) << message.DebugString();
  EXPECT_EQ(message.cancellation().operation_name(), assignment.operation_name());
  reapi::ExecuteResponse response;
  ASSERT_TRUE(execution.Finish(&response).ok());
  EXPECT_EQ(response.status().code(), static_cast<int>(grpc::StatusCode::CANCELLED));

  // The worker's late report is ignored, and the stream goes on serving work.
  google::rpc::Status cancelled;
  cancelled.set_code(static_cast<int>(grpc::StatusCode::CANCELLED));
  ASSERT_TRUE(worker->Finished(assignment.operation_name(), reapi::ActionResult(), cancelled));
  ASSERT_TRUE(worker->RequestWork());
  ExecutionStream next(frontend_.channel(), frontend_.UploadShellAction("echo next"));
  EXPECT_EQ(NextAssignment(*worker).operation_name(), next.Name());
}

TEST_F(WorkerServiceTest, MissingInputsReportedByTheWorkerReachTheClient) {
  auto worker = ReadyWorker("w1");
  ExecutionStream execution(frontend_.channel(), frontend_.UploadShellAction("cat input"));
  wire::Assignment assignment = NextAssignment(*worker);

  google::rpc::Status missing;
  missing.set_code(static_cast<int>(grpc::StatusCode::FAILED_PRECONDITION));
  missing.set_message("input blob vanished");
  google::rpc::PreconditionFailure failure;
  failure.add_violations()->set_type("MISSING");
  failure.mutable_violations(0)->set_subject("blobs/" + std::string(64, 'a') + "/3");
  missing.add_details()->PackFrom(failure);
  ASSERT_TRUE(worker->Finished(assignment.operation_name(), reapi::ActionResult(), missing));

  reapi::ExecuteResponse response;
  ASSERT_TRUE(execution.Finish(&response).ok());
  EXPECT_EQ(response.status().code(), static_cast<int>(grpc::StatusCode::FAILED_PRECONDITION));
  ASSERT_EQ(response.status().details_size(), 1);
  google::rpc::PreconditionFailure received;
  ASSERT_TRUE(response.status().details(0).UnpackTo(&received));
  ASSERT_EQ(received.violations_size(), 1);
  EXPECT_EQ(received.violations(0).subject(), failure.violations(0).subject());
}

TEST_F(WorkerServiceTest, ExecutionIsEnabledAndShutdownDoesNotWaitForWorkerStreams) {
  auto capabilities = reapi::Capabilities::NewStub(frontend_.channel());
  grpc::ClientContext context;
  context.set_deadline(Deadline());
  reapi::ServerCapabilities response;
  ASSERT_TRUE(capabilities->GetCapabilities(&context, reapi::GetCapabilitiesRequest(), &response).ok());
  EXPECT_TRUE(response.execution_capabilities().exec_enabled());

  auto worker = ReadyWorker("idle");
  const auto start = std::chrono::steady_clock::now();
  frontend_.Stop();  // With a 5 s grace period.
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
  wire::SchedulerMessage message;
  EXPECT_FALSE(worker->Read(&message));
}

}  // namespace
}  // namespace kiln
