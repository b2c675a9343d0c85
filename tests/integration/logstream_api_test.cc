// The LogStream API through the real kiln serve: CreateLogStream, then ByteStream Write to
// the write name (appends over several calls until finish_write) and ByteStream Read of the
// read name, which follows the stream live until it is finalized. Plus the error rules.
#include <iostream>

#include "build/bazel/remote/logstream/v1/remote_logstream.grpc.pb.h"
#include "live_log_reader.h"

namespace kiln_test {
namespace {

namespace logstream = build::bazel::remote::logstream::v1;

class LogStreamApiTest : public KilnServerTest {
 protected:
  std::vector<std::string> ServerFlags() const override { return {"--workers", "0"}; }

  grpc::Status CreateWithParent(const std::string& parent, logstream::LogStream* stream) {
    auto stub = logstream::LogStreamService::NewStub(server().channel());
    grpc::ClientContext context;
    SetDeadline(&context);
    logstream::CreateLogStreamRequest request;
    request.set_parent(parent);
    return stub->CreateLogStream(&context, request, stream);
  }

  logstream::LogStream Create(const std::string& parent = "") {
    logstream::LogStream stream;
    grpc::Status status = CreateWithParent(parent, &stream);
    EXPECT_TRUE(status.ok()) << Describe(status);
    return stream;
  }

  // One Write call: `pieces` as consecutive requests from `offset`, the last one with
  // finish_write if `finish`.
  grpc::Status Append(const std::string& name, int64_t offset, const std::vector<std::string>& pieces, bool finish,
                      int64_t* committed = nullptr) {
    grpc::ClientContext context;
    SetDeadline(&context);
    google::bytestream::WriteResponse response;
    auto writer = bytestream().Write(&context, &response);
    for (size_t i = 0; i < pieces.size(); ++i) {
      google::bytestream::WriteRequest request;
      if (i == 0) request.set_resource_name(name);
      request.set_write_offset(offset);
      request.set_data(pieces[i]);
      request.set_finish_write(finish && i + 1 == pieces.size());
      offset += static_cast<int64_t>(pieces[i].size());
      if (!writer->Write(request)) break;
    }
    writer->WritesDone();
    grpc::Status status = writer->Finish();
    if (committed != nullptr) *committed = response.committed_size();
    return status;
  }

  google::bytestream::QueryWriteStatusResponse Query(const std::string& name, grpc::Status* status) {
    google::bytestream::QueryWriteStatusResponse response;
    *status = QueryWriteStatus(bytestream(), name, &response);
    return response;
  }
};

TEST_F(LogStreamApiTest, CreateReturnsAReadNameAndASeparateSecretWriteName) {
  logstream::LogStream stream = Create("projects/123");
  EXPECT_EQ(stream.name().rfind("projects/123/logstreams/", 0), 0u) << stream.name();
  ASSERT_EQ(stream.write_resource_name().rfind(stream.name() + "/", 0), 0u) << stream.write_resource_name();
  const std::string token = stream.write_resource_name().substr(stream.name().size() + 1);
  EXPECT_GE(token.size(), 32u) << "the write token should carry at least 128 random bits";
  EXPECT_EQ(stream.name().find(token), std::string::npos);
  logstream::LogStream other = Create("projects/123");
  EXPECT_NE(other.name(), stream.name());
  EXPECT_NE(other.write_resource_name().substr(other.name().size() + 1), token);
}

TEST_F(LogStreamApiTest, AnEarlyReaderFollowsSeveralWritesUntilFinishWrite) {
  logstream::LogStream stream = Create();
  // Connected before anything was written: it must wait, not get NOT_FOUND or an empty end.
  LiveLogReader early(bytestream(), stream.name());

  int64_t committed = -1;
  grpc::Status first = Append(stream.write_resource_name(), 0, {"hello "}, /*finish=*/false, &committed);
  ASSERT_TRUE(first.ok()) << Describe(first);
  EXPECT_EQ(committed, 6);
  ASSERT_TRUE(early.WaitFor("hello ")) << "the reader did not get the first write; got: " << early.received();

  grpc::Status query_status;
  auto query = Query(stream.write_resource_name(), &query_status);
  ASSERT_TRUE(query_status.ok()) << Describe(query_status);
  EXPECT_EQ(query.committed_size(), 6);
  EXPECT_FALSE(query.complete());

  // A second Write call continues at the committed size, in two requests, and finishes.
  grpc::Status second = Append(stream.write_resource_name(), 6, {"live ", "world"}, /*finish=*/true, &committed);
  ASSERT_TRUE(second.ok()) << Describe(second);
  EXPECT_EQ(committed, 16);

  grpc::Status read = early.Finish();
  EXPECT_TRUE(read.ok()) << Describe(read);
  EXPECT_EQ(early.received(), "hello live world");
  query = Query(stream.write_resource_name(), &query_status);
  EXPECT_EQ(query.committed_size(), 16);
  EXPECT_TRUE(query.complete());

  // Later readers get the finalized stream at once, whole or sliced.
  std::string all;
  ASSERT_TRUE(ByteStreamRead(bytestream(), stream.name(), &all).ok());
  EXPECT_EQ(all, "hello live world");
  std::string slice;
  ASSERT_TRUE(ByteStreamRead(bytestream(), stream.name(), &slice, /*offset=*/6, /*limit=*/4).ok());
  EXPECT_EQ(slice, "live");
  std::string tail;
  ASSERT_TRUE(ByteStreamRead(bytestream(), stream.name(), &tail, /*offset=*/16).ok());
  EXPECT_EQ(tail, "");
  EXPECT_TRUE(HasStatus(ByteStreamRead(bytestream(), stream.name(), &tail, /*offset=*/17),
                        grpc::StatusCode::OUT_OF_RANGE, "read_offset 17"));
}

TEST_F(LogStreamApiTest, OffsetAndLimitWorkOnALiveStream) {
  logstream::LogStream stream = Create();
  ASSERT_TRUE(Append(stream.write_resource_name(), 0, {"0123456789"}, /*finish=*/false).ok());
  // The limit ends the read even though the stream is still live.
  std::string slice;
  grpc::Status status = ByteStreamRead(bytestream(), stream.name(), &slice, /*offset=*/3, /*limit=*/4);
  ASSERT_TRUE(status.ok()) << Describe(status);
  EXPECT_EQ(slice, "3456");
  // A reader past the current end waits for the bytes to be written.
  LiveLogReader ahead(bytestream(), stream.name(), /*offset=*/12);
  ASSERT_TRUE(Append(stream.write_resource_name(), 10, {"abcdef"}, /*finish=*/true).ok());
  status = ahead.Finish();
  EXPECT_TRUE(status.ok()) << Describe(status);
  EXPECT_EQ(ahead.received(), "cdef");
}

TEST_F(LogStreamApiTest, BadNamesOffsetsAndLateWritesAreRefused) {
  logstream::LogStream stream = Create("inst");
  std::string ignored;
  EXPECT_TRUE(HasStatus(ByteStreamRead(bytestream(), "inst/logstreams/0123456789abcdef", &ignored),
                        grpc::StatusCode::NOT_FOUND, "inst/logstreams/0123456789abcdef"));
  EXPECT_TRUE(HasStatus(ByteStreamRead(bytestream(), "logstreams/nope", &ignored), grpc::StatusCode::NOT_FOUND));
  EXPECT_TRUE(HasStatus(ByteStreamRead(bytestream(), stream.write_resource_name(), &ignored),
                        grpc::StatusCode::INVALID_ARGUMENT, "write_resource_name"));
  EXPECT_TRUE(HasStatus(ByteStreamRead(bytestream(), stream.name(), &ignored, 0, -1),
                        grpc::StatusCode::INVALID_ARGUMENT, "read_limit"));

  // Only the write name writes; a guessed token is indistinguishable from an unknown stream.
  EXPECT_TRUE(HasStatus(Append(stream.name(), 0, {"x"}, false), grpc::StatusCode::INVALID_ARGUMENT, "read name"));
  EXPECT_TRUE(HasStatus(Append(stream.name() + "/00000000000000000000000000000000", 0, {"x"}, false),
                        grpc::StatusCode::NOT_FOUND));

  ASSERT_TRUE(Append(stream.write_resource_name(), 0, {"abc"}, false).ok());
  EXPECT_TRUE(HasStatus(Append(stream.write_resource_name(), 5, {"x"}, false), grpc::StatusCode::INVALID_ARGUMENT,
                        "write_offset 5"));
  EXPECT_TRUE(HasStatus(Append(stream.write_resource_name(), 0, {"x"}, false), grpc::StatusCode::INVALID_ARGUMENT,
                        "committed size is 3"));
  // Within one call, offsets must continue the call's own data.
  {
    grpc::ClientContext context;
    SetDeadline(&context);
    google::bytestream::WriteResponse response;
    auto writer = bytestream().Write(&context, &response);
    google::bytestream::WriteRequest request;
    request.set_resource_name(stream.write_resource_name());
    request.set_write_offset(3);
    request.set_data("de");
    writer->Write(request);
    request.clear_resource_name();
    request.set_write_offset(3);  // Should be 5.
    writer->Write(request);
    writer->WritesDone();
    EXPECT_TRUE(HasStatus(writer->Finish(), grpc::StatusCode::INVALID_ARGUMENT, "write_offset 3"));
  }
  ASSERT_TRUE(Append(stream.write_resource_name(), 5, {"f"}, /*finish=*/true).ok());
  EXPECT_TRUE(HasStatus(Append(stream.write_resource_name(), 6, {"more"}, false), grpc::StatusCode::FAILED_PRECONDITION,
                        "finalized"));
  std::string all;
  ASSERT_TRUE(ByteStreamRead(bytestream(), stream.name(), &all).ok());
  EXPECT_EQ(all, "abcdef") << "refused writes must leave the stream as it was";

  grpc::Status status;
  Query(stream.name(), &status);
  EXPECT_TRUE(HasStatus(status, grpc::StatusCode::INVALID_ARGUMENT, "read name"));
  Query("inst/logstreams/unknown/token", &status);
  EXPECT_TRUE(HasStatus(status, grpc::StatusCode::NOT_FOUND));

  logstream::LogStream refused;
  EXPECT_TRUE(HasStatus(CreateWithParent("a//b", &refused), grpc::StatusCode::INVALID_ARGUMENT, "a//b"));
  EXPECT_TRUE(HasStatus(CreateWithParent("x/logstreams", &refused), grpc::StatusCode::INVALID_ARGUMENT, "logstreams"));
  ExpectStillServing();
}

TEST_F(LogStreamApiTest, CasByteStreamIsUnaffected) {
  const std::string blob = "content under an instance that has logstreams in its name";
  int64_t committed = 0;
  ASSERT_TRUE(ByteStreamWrite(bytestream(), WriteName("x/logstreams", blob), blob, 8, &committed).ok());
  std::string read;
  grpc::Status status = ByteStreamRead(bytestream(), ReadName("x/logstreams", blob), &read);
  ASSERT_TRUE(status.ok()) << Describe(status);
  EXPECT_EQ(read, blob);
}

TEST_F(LogStreamApiTest, AStreamKeepsAtMost8MiBForReadersAndSaysSo) {
  logstream::LogStream stream = Create();
  const std::string data = PseudoRandomBytes(9 << 20, 7);
  std::vector<std::string> pieces;
  for (size_t i = 0; i < data.size(); i += 256 << 10) pieces.push_back(data.substr(i, 256 << 10));
  int64_t committed = 0;
  grpc::Status status = Append(stream.write_resource_name(), 0, pieces, /*finish=*/true, &committed);
  ASSERT_TRUE(status.ok()) << Describe(status);
  EXPECT_EQ(committed, 9 << 20) << "the writer is never refused because of the cap";
  std::string read;
  ASSERT_TRUE(ByteStreamRead(bytestream(), stream.name(), &read).ok());
  ASSERT_GT(read.size(), size_t{8} << 20);
  EXPECT_LT(read.size(), (size_t{8} << 20) + 1024);
  EXPECT_TRUE(read.compare(0, size_t{8} << 20, data, 0, size_t{8} << 20) == 0);
  EXPECT_NE(read.find("live output cut after 8388608 bytes", size_t{8} << 20), std::string::npos)
      << read.substr(size_t{8} << 20);
}

TEST_F(LogStreamApiTest, HundredsOfWaitingReadersDoNotEachHoldAThread) {
  constexpr int kReaders = 200;
  // A connection carries at most --max-streams-per-connection (100) calls at once; further
  // ones wait in the client for a free stream. So the readers come over connections of 50
  // each, and none waits in front of the server, nor holds up the writer's call.
  constexpr int kReadersPerConnection = 50;
  constexpr int kConnections = kReaders / kReadersPerConnection;
  logstream::LogStream stream = Create();
  ASSERT_TRUE(Append(stream.write_resource_name(), 0, {"start;"}, false).ok());
  std::vector<std::unique_ptr<google::bytestream::ByteStream::Stub>> stubs;
  for (int i = 0; i < kConnections; ++i) stubs.push_back(google::bytestream::ByteStream::NewStub(server().NewChannel()));
  const int threads_before = ThreadCount(server().pid());
  std::vector<std::unique_ptr<LiveLogReader>> readers;
  for (int i = 0; i < kReaders; ++i) {
    readers.push_back(std::make_unique<LiveLogReader>(*stubs[i % kConnections], stream.name()));
  }
  // Each has reached the server once it got the first bytes; now they all wait for more.
  for (auto& reader : readers) ASSERT_TRUE(reader->WaitFor("start;"));
  const int threads_waiting = ThreadCount(server().pid());
  std::cout << "server threads: " << threads_before << " before, " << threads_waiting << " with " << kReaders
            << " log stream readers waiting\n";
  EXPECT_LT(threads_waiting - threads_before, 50) << "a waiting reader must not hold a server thread";

  ASSERT_TRUE(Append(stream.write_resource_name(), 6, {"end"}, /*finish=*/true).ok());
  for (auto& reader : readers) {
    grpc::Status status = reader->Finish();
    ASSERT_TRUE(status.ok()) << Describe(status);
    EXPECT_EQ(reader->received(), "start;end");
  }
}

TEST_F(LogStreamApiTest, WaitingReadersEndWhenCancelledOrWhenTheServerStops) {
  logstream::LogStream stream = Create();
  LiveLogReader cancelled(bytestream(), stream.name());
  ASSERT_TRUE(Append(stream.write_resource_name(), 0, {"partial"}, false).ok());
  ASSERT_TRUE(cancelled.WaitFor("partial"));
  cancelled.Cancel();
  EXPECT_TRUE(HasStatus(cancelled.Finish(), grpc::StatusCode::CANCELLED));
  ExpectStillServing();

  // A reader still waiting on a live stream must not keep the server from stopping. (Its
  // own channel: stopping closes the fixture's.)
  auto stub = google::bytestream::ByteStream::NewStub(server().NewChannel());
  LiveLogReader waiting(*stub, stream.name(), /*offset=*/7);
  ASSERT_TRUE(Append(stream.write_resource_name(), 7, {"!"}, false).ok());
  ASSERT_TRUE(waiting.WaitFor("!"));
  StopServer();
  EXPECT_FALSE(waiting.Finish().ok());
}

}  // namespace
}  // namespace kiln_test

namespace kiln_test {
namespace {

class LogStreamLimitsTest : public KilnServerTest {
 protected:
  std::vector<std::string> ServerFlags() const override {
    return {"--workers", "0", "--max-log-streams-per-connection", "3"};
  }
  grpc::Status CreateOn(const std::shared_ptr<grpc::Channel>& channel) {
    auto stub = logstream::LogStreamService::NewStub(channel);
    grpc::ClientContext context;
    SetDeadline(&context);
    logstream::LogStream stream;
    return stub->CreateLogStream(&context, logstream::CreateLogStreamRequest(), &stream);
  }
};

// One client cannot hold the server's live streams hostage: beyond its share it is refused,
// while another connection still gets its own.
TEST_F(LogStreamLimitsTest, OneConnectionHasABoundedNumberOfUnfinishedStreams) {
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(CreateOn(server().channel()).ok());
  grpc::Status refused = CreateOn(server().channel());
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << Describe(refused);
  EXPECT_NE(refused.error_message().find("--max-log-streams-per-connection"), std::string::npos) << Describe(refused);
  EXPECT_TRUE(CreateOn(server().NewChannel()).ok());
}

}  // namespace
}  // namespace kiln_test
