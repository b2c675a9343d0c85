// The server must survive whatever clients send: streams that start wrong or stop
// early, cancelled and abandoned calls, empty requests, unparsable messages, and bytes
// that are not even HTTP/2. Each test ends by checking the server still answers (and the
// fixture checks it still exits 0 on SIGTERM).
#include <arpa/inet.h>
#include <grpcpp/generic/generic_stub.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include "test_util.h"

namespace kiln_test {
namespace {

using RobustnessTest = KilnServerTest;

TEST_F(RobustnessTest, WriteStreamWhoseFirstMessageHasNoResourceName) {
  grpc::ClientContext context;
  SetDeadline(&context);
  google::bytestream::WriteResponse response;
  auto writer = bytestream().Write(&context, &response);
  google::bytestream::WriteRequest request;
  request.set_data("data without a name");
  request.set_finish_write(true);
  writer->Write(request);
  writer->WritesDone();
  EXPECT_TRUE(HasStatus(writer->Finish(), grpc::StatusCode::INVALID_ARGUMENT, "resource_name"));
  ExpectStillServing();
}

TEST_F(RobustnessTest, WriteStreamWithNoMessagesAtAll) {
  grpc::ClientContext context;
  SetDeadline(&context);
  google::bytestream::WriteResponse response;
  auto writer = bytestream().Write(&context, &response);
  writer->WritesDone();
  EXPECT_TRUE(HasStatus(writer->Finish(), grpc::StatusCode::INVALID_ARGUMENT));
  ExpectStillServing();
}

TEST_F(RobustnessTest, EmptyRequestsAreFine) {
  std::vector<reapi::Digest> missing;
  grpc::Status status = FindMissing(cas(), "", {}, &missing);
  EXPECT_TRUE(status.ok()) << Describe(status);
  EXPECT_TRUE(missing.empty());

  reapi::BatchUpdateBlobsRequest update;
  reapi::BatchUpdateBlobsResponse update_response;
  {
    grpc::ClientContext context;
    SetDeadline(&context);
    status = cas().BatchUpdateBlobs(&context, update, &update_response);
  }
  EXPECT_TRUE(status.ok()) << Describe(status);
  EXPECT_EQ(update_response.responses_size(), 0);

  reapi::BatchReadBlobsResponse read_response;
  status = BatchRead(cas(), reapi::BatchReadBlobsRequest(), &read_response);
  EXPECT_TRUE(status.ok()) << Describe(status);
  EXPECT_EQ(read_response.responses_size(), 0);

  // A default Digest has no hash at all: malformed, not the empty blob (which has a hash).
  status = FindMissing(cas(), "", {reapi::Digest()}, &missing);
  EXPECT_TRUE(HasStatus(status, grpc::StatusCode::INVALID_ARGUMENT, "blob_digests[0]"))
      << "a digest without a hash is malformed";
  ExpectStillServing();
}

// A method kiln does not serve (here one of a service it does serve) is UNIMPLEMENTED, and
// the server carries on.
TEST_F(RobustnessTest, UnimplementedMethodsSayUnimplemented) {
  grpc::GenericStub stub(server().channel());
  grpc::CompletionQueue queue;
  grpc::ClientContext context;
  SetDeadline(&context, std::chrono::seconds(10));
  grpc::ByteBuffer request;
  auto call = stub.PrepareUnaryCall(&context, "/build.bazel.remote.execution.v2.ContentAddressableStorage/NoSuchMethod",
                                    request, &queue);
  call->StartCall();
  grpc::ByteBuffer response;
  grpc::Status status;
  call->Finish(&response, &status, reinterpret_cast<void*>(1));
  void* tag = nullptr;
  bool ok = false;
  ASSERT_TRUE(queue.Next(&tag, &ok));
  EXPECT_TRUE(HasStatus(status, grpc::StatusCode::UNIMPLEMENTED));
  queue.Shutdown();
  while (queue.Next(&tag, &ok)) {
  }
  ExpectStillServing();
}

TEST_F(RobustnessTest, UnparsableRequestMessages) {
  grpc::GenericStub stub(server().channel());
  grpc::CompletionQueue queue;
  const char* methods[] = {"/build.bazel.remote.execution.v2.ContentAddressableStorage/FindMissingBlobs",
                           "/build.bazel.remote.execution.v2.ContentAddressableStorage/BatchUpdateBlobs",
                           "/build.bazel.remote.execution.v2.ActionCache/UpdateActionResult",
                           "/google.bytestream.ByteStream/QueryWriteStatus"};
  for (const char* method : methods) {
    grpc::ClientContext context;
    SetDeadline(&context, std::chrono::seconds(10));
    const std::string garbage = "\xff\xff\xff\xff\xff\xff\xff\xff\x0f garbage";
    grpc::Slice slice(garbage);
    grpc::ByteBuffer request(&slice, 1);
    auto call = stub.PrepareUnaryCall(&context, method, request, &queue);
    call->StartCall();
    grpc::ByteBuffer response;
    grpc::Status status;
    call->Finish(&response, &status, reinterpret_cast<void*>(1));
    void* tag = nullptr;
    bool ok = false;
    ASSERT_TRUE(queue.Next(&tag, &ok));
    EXPECT_FALSE(status.ok()) << method << " accepted garbage";
  }
  queue.Shutdown();
  void* tag = nullptr;
  bool ok = false;
  while (queue.Next(&tag, &ok)) {
  }
  ExpectStillServing();
}

TEST_F(RobustnessTest, CancelledReadsAndWrites) {
  const std::string blob = PseudoRandomBytes(8 << 20, 1);
  ASSERT_TRUE(ByteStreamWrite(bytestream(), WriteName("", blob), blob, 1 << 20, nullptr).ok());
  {  // Read one message of a large blob, then cancel.
    grpc::ClientContext context;
    SetDeadline(&context);
    google::bytestream::ReadRequest request;
    request.set_resource_name(ReadName("", blob));
    auto reader = bytestream().Read(&context, request);
    google::bytestream::ReadResponse response;
    EXPECT_TRUE(reader->Read(&response));
    context.TryCancel();
    EXPECT_FALSE(reader->Finish().ok());
  }
  const std::string other = PseudoRandomBytes(2 << 20, 2);
  {  // Write part of an upload, then cancel.
    grpc::ClientContext context;
    SetDeadline(&context);
    google::bytestream::WriteResponse response;
    auto writer = bytestream().Write(&context, &response);
    google::bytestream::WriteRequest request;
    request.set_resource_name(WriteName("", other));
    request.set_data(other.substr(0, 1 << 20));
    writer->Write(request);
    context.TryCancel();
    EXPECT_FALSE(writer->Finish().ok());
  }
  // A fresh upload of the same blob is unaffected by the cancelled one.
  int64_t committed = 0;
  grpc::Status status = ByteStreamWrite(bytestream(), WriteName("", other), other, 256 * 1024, &committed);
  ASSERT_TRUE(status.ok()) << Describe(status);
  std::string data;
  ASSERT_TRUE(ByteStreamRead(bytestream(), ReadName("", other), &data).ok());
  EXPECT_TRUE(data == other);
  ExpectStillServing();
}

TEST_F(RobustnessTest, ClientVanishingMidStream) {
  const std::string blob = PseudoRandomBytes(4 << 20, 3);
  {  // Its own connection, dropped with a write in flight.
    auto channel = server().NewChannel();
    auto stub = google::bytestream::ByteStream::NewStub(channel);
    grpc::ClientContext write_context;
    SetDeadline(&write_context);
    google::bytestream::WriteResponse response;
    auto writer = stub->Write(&write_context, &response);
    google::bytestream::WriteRequest request;
    request.set_resource_name(WriteName("", blob));
    request.set_data(blob.substr(0, 1 << 20));
    writer->Write(request);
    write_context.TryCancel();
    writer->Finish();
  }
  int64_t committed = 0;
  ASSERT_TRUE(ByteStreamWrite(bytestream(), WriteName("", blob), blob, 1 << 20, &committed).ok());
  ExpectStillServing();
}

TEST_F(RobustnessTest, SameUploadNameFromTwoStreamsAtOnce) {
  const std::string blob = PseudoRandomBytes(1 << 20, 4);
  const std::string name = WriteName("", blob);
  grpc::ClientContext first_context;
  SetDeadline(&first_context);
  google::bytestream::WriteResponse first_response;
  auto first = bytestream().Write(&first_context, &first_response);
  google::bytestream::WriteRequest request;
  request.set_resource_name(name);
  request.set_data(blob.substr(0, 1000));
  ASSERT_TRUE(first->Write(request));
  // Make sure the server has taken the first stream's chunk before the second starts.
  google::bytestream::QueryWriteStatusResponse query;
  for (int i = 0; i < 500 && !(QueryWriteStatus(bytestream(), name, &query).ok() && query.committed_size() == 1000);
       ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_EQ(query.committed_size(), 1000);
  // A second stream for the same upload while the first is active is refused (README:
  // ABORTED)...
  int64_t committed = 0;
  EXPECT_TRUE(HasStatus(
      ByteStreamWrite(bytestream(), name, std::string_view(blob).substr(1000), 4096, &committed, 1000),
      grpc::StatusCode::ABORTED));
  // ...and the first can still finish.
  request.clear_resource_name();
  request.set_write_offset(1000);
  request.set_data(blob.substr(1000));
  request.set_finish_write(true);
  first->Write(request);
  first->WritesDone();
  grpc::Status status = first->Finish();
  EXPECT_TRUE(status.ok()) << Describe(status);
  EXPECT_EQ(first_response.committed_size(), static_cast<int64_t>(blob.size()));
}

TEST_F(RobustnessTest, RawGarbageOnThePort) {
  for (int attempt = 0; attempt < 5; ++attempt) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    ASSERT_GE(fd, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(server().port()));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    const std::string junk = attempt % 2 == 0 ? "GET / HTTP/1.1\r\nHost: kiln\r\n\r\n" : PseudoRandomBytes(100000, attempt);
    (void)::send(fd, junk.data(), junk.size(), MSG_NOSIGNAL);
    ::close(fd);
  }
  ExpectStillServing();
}

TEST_F(RobustnessTest, ManyDigestsInOneFindMissing) {
  std::vector<reapi::Digest> digests;
  for (int i = 0; i < 20000; ++i) digests.push_back(ProtoDigestOf("blob " + std::to_string(i)));
  std::vector<reapi::Digest> missing;
  grpc::Status status = FindMissing(cas(), "", digests, &missing);
  ASSERT_TRUE(status.ok()) << Describe(status);
  EXPECT_EQ(missing.size(), digests.size());
}

}  // namespace
}  // namespace kiln_test
