// Open-upload limits of a real kiln (issue 12, item 3): every unfinished ByteStream Write
// holds a temp file, so uploads are capped per connection and in total (RESOURCE_EXHAUSTED
// naming the flag), stalled streams are cancelled and their slots reused, and while the
// caps are full the server still accepts connections and serves other calls. Calls per
// connection are capped too, at the transport: beyond the cap they wait in the client.
// A stream the caps turn away is refused before its data is read.
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <thread>

#include "build/bazel/remote/logstream/v1/remote_logstream.grpc.pb.h"
#include "common/bytestream_metadata.h"
#include "common/resource_name.h"
#include "test_util.h"

namespace kiln_test {
namespace {

constexpr size_t kChunk = 64 << 10;

// A Write that sent its first 64 KiB of a 1 MiB blob and then went quiet.
struct HeldUpload {
  std::string name;
  std::unique_ptr<grpc::ClientContext> context = std::make_unique<grpc::ClientContext>();
  google::bytestream::WriteResponse response;
  std::unique_ptr<grpc::ClientWriter<google::bytestream::WriteRequest>> writer;

  // Ends the call: half-closes and returns the server's status.
  grpc::Status Finish() {
    writer->WritesDone();
    return writer->Finish();
  }
};

std::unique_ptr<HeldUpload> StartUpload(google::bytestream::ByteStream::Stub& stub, uint64_t seed) {
  auto held = std::make_unique<HeldUpload>();
  const std::string blob = PseudoRandomBytes(1 << 20, seed);
  held->name = WriteName("", blob);
  SetDeadline(held->context.get());
  held->writer = stub.Write(held->context.get(), &held->response);
  google::bytestream::WriteRequest request;
  request.set_resource_name(held->name);
  request.set_write_offset(0);
  request.set_data(blob.substr(0, kChunk));
  held->writer->Write(request);
  return held;
}

// Waits (at most 10 s) until the server has taken the held upload's first chunk.
bool ServerHolds(google::bytestream::ByteStream::Stub& stub, const HeldUpload& held) {
  for (int attempt = 0; attempt < 200; ++attempt) {
    google::bytestream::QueryWriteStatusResponse query;
    if (QueryWriteStatus(stub, held.name, &query).ok() && query.committed_size() == static_cast<int64_t>(kChunk)) {
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

grpc::Status GetCapabilities(const std::shared_ptr<grpc::Channel>& channel) {
  auto stub = reapi::Capabilities::NewStub(channel);
  grpc::ClientContext context;
  SetDeadline(&context);
  reapi::GetCapabilitiesRequest request;
  reapi::ServerCapabilities capabilities;
  return stub->GetCapabilities(&context, request, &capabilities);
}

class UploadCapsTest : public KilnServerTest {
  std::vector<std::string> ServerFlags() const override {
    return {"--max-open-uploads", "8", "--max-uploads-per-connection", "3"};
  }
};

TEST_F(UploadCapsTest, UploadsBeyondEitherCapAreResourceExhaustedAndTheServerStaysUsable) {
  std::vector<std::shared_ptr<grpc::Channel>> channels;
  std::vector<std::unique_ptr<google::bytestream::ByteStream::Stub>> stubs;
  for (int i = 0; i < 4; ++i) {
    channels.push_back(server().NewChannel());
    stubs.push_back(google::bytestream::ByteStream::NewStub(channels.back()));
  }
  std::vector<std::unique_ptr<HeldUpload>> held;
  uint64_t seed = 100;
  // Connection 0 fills its own cap.
  for (int i = 0; i < 3; ++i) {
    held.push_back(StartUpload(*stubs[0], seed++));
    ASSERT_TRUE(ServerHolds(*stubs[0], *held.back())) << "upload " << i << " was not taken";
  }
  auto over_connection = StartUpload(*stubs[0], seed++);
  EXPECT_TRUE(HasStatus(over_connection->Finish(), grpc::StatusCode::RESOURCE_EXHAUSTED,
                        "--max-uploads-per-connection 3"));

  // Another connection still uploads, whole blobs too.
  const std::string blob = PseudoRandomBytes(1 << 20, 1);
  int64_t committed = 0;
  grpc::Status whole = ByteStreamWrite(*stubs[1], WriteName("", blob), blob, kChunk, &committed);
  ASSERT_TRUE(whole.ok()) << Describe(whole);
  EXPECT_EQ(committed, static_cast<int64_t>(blob.size()));

  // Connections 1 and 2 fill the total.
  for (int i = 0; i < 5; ++i) {
    auto& stub = *stubs[1 + i % 2];
    held.push_back(StartUpload(stub, seed++));
    ASSERT_TRUE(ServerHolds(stub, *held.back())) << "upload " << 3 + i << " was not taken";
  }
  auto over_total = StartUpload(*stubs[3], seed++);
  EXPECT_TRUE(HasStatus(over_total->Finish(), grpc::StatusCode::RESOURCE_EXHAUSTED, "--max-open-uploads 8"));

  // With every upload slot taken: a new connection is accepted and answered, small blobs
  // go in through BatchUpdateBlobs, and stored blobs are read.
  auto fresh = server().NewChannel();
  grpc::Status capabilities = GetCapabilities(fresh);
  EXPECT_TRUE(capabilities.ok()) << Describe(capabilities);
  auto fresh_cas = reapi::ContentAddressableStorage::NewStub(fresh);
  EXPECT_TRUE(BatchUpload(*fresh_cas, "", {"a small blob while the upload caps are full"}));
  auto fresh_bytestream = google::bytestream::ByteStream::NewStub(fresh);
  std::string read_back;
  grpc::Status read = ByteStreamRead(*fresh_bytestream, ReadName("", blob), &read_back);
  ASSERT_TRUE(read.ok()) << Describe(read);
  EXPECT_TRUE(read_back == blob);

  // A finished (here: abandoned by its client) upload gives its slot back.
  held[0]->context->TryCancel();
  held[0]->Finish();
  bool reused = false;
  for (int attempt = 0; attempt < 100 && !reused; ++attempt) {
    auto retry = StartUpload(*stubs[3], seed++);
    reused = ServerHolds(*stubs[3], *retry);
    if (reused) {
      held.push_back(std::move(retry));
    } else {
      retry->Finish();
    }
  }
  EXPECT_TRUE(reused) << "the cancelled upload's slot was not freed";
  for (auto& upload : held) upload->context->TryCancel();
  ExpectStillServing();
}

// One Write whose first message carries `bytes` of data but no resource_name, ended at
// once: the server's status. A server that reads the message refuses it as INVALID_ARGUMENT.
grpc::Status WriteNamelessMessage(google::bytestream::ByteStream::Stub& stub, size_t bytes) {
  grpc::ClientContext context;
  SetDeadline(&context);
  google::bytestream::WriteResponse response;
  auto writer = stub.Write(&context, &response);
  google::bytestream::WriteRequest request;
  request.set_data(std::string(bytes, 'x'));
  writer->Write(request);
  writer->WritesDone();
  return writer->Finish();
}

// Bytes the kernel has received on the server's established connections (`ss`), or -1
// without `ss`.
int64_t ServerBytesReceived(int port) {
  const std::string command =
      "ss -Htin state established '( sport = :" + std::to_string(port) + " )' 2>/dev/null";
  FILE* ss = ::popen(command.c_str(), "r");
  if (ss == nullptr) return -1;
  std::string output;
  char buffer[4096];
  for (size_t n; (n = std::fread(buffer, 1, sizeof(buffer), ss)) > 0;) output.append(buffer, n);
  if (::pclose(ss) != 0 || output.empty()) return -1;
  int64_t total = 0;
  const std::string key = "bytes_received:";
  for (size_t at = output.find(key); at != std::string::npos; at = output.find(key, at + 1)) {
    total += std::strtoll(output.c_str() + at + key.size(), nullptr, 10);
  }
  return total;
}

// A flood of uploads beyond the caps (kiln attack's abandoned_uploads: 16,000 of its 20,000
// streams) must not have the server ask for and read each refused stream's first message:
// the refusal comes first. A first message the server cannot accept (no resource_name)
// shows it, being refused for the caps rather than for itself.
TEST_F(UploadCapsTest, StreamsBeyondTheCapsAreRefusedBeforeTheirDataIsRead) {
  constexpr size_t kBigMessage = 2 << 20;
  std::vector<std::shared_ptr<grpc::Channel>> channels;
  std::vector<std::unique_ptr<google::bytestream::ByteStream::Stub>> stubs;
  for (int i = 0; i < 4; ++i) {
    channels.push_back(server().NewChannel());
    stubs.push_back(google::bytestream::ByteStream::NewStub(channels.back()));
  }
  // With room, the message is read (and refused for what it is).
  EXPECT_TRUE(HasStatus(WriteNamelessMessage(*stubs[3], kBigMessage), grpc::StatusCode::INVALID_ARGUMENT,
                        "must set resource_name"));

  std::vector<std::unique_ptr<HeldUpload>> held;
  uint64_t seed = 200;
  for (int i = 0; i < 3; ++i) {
    held.push_back(StartUpload(*stubs[0], seed++));
    ASSERT_TRUE(ServerHolds(*stubs[0], *held.back()));
  }
  EXPECT_TRUE(HasStatus(WriteNamelessMessage(*stubs[0], kBigMessage), grpc::StatusCode::RESOURCE_EXHAUSTED,
                        "--max-uploads-per-connection 3"));

  for (int i = 0; i < 5; ++i) {
    auto& stub = *stubs[1 + i % 2];
    held.push_back(StartUpload(stub, seed++));
    ASSERT_TRUE(ServerHolds(stub, *held.back()));
  }
  EXPECT_TRUE(HasStatus(WriteNamelessMessage(*stubs[3], kBigMessage), grpc::StatusCode::RESOURCE_EXHAUSTED,
                        "--max-open-uploads 8"));
  // Nor does the transport take the refused stream's data beyond its HTTP/2 window (64 KiB,
  // kiln's server does not widen it: --http2-bdp-probe): an 8 MiB message leaves the
  // client's buffers only in part. Seen in the kernel's count of the server's received bytes.
  const int64_t before = ServerBytesReceived(server().port());
  if (before < 0) {
    std::cerr << "no `ss` here: not checking how much of a refused stream the server received\n";
  } else {
    EXPECT_TRUE(HasStatus(WriteNamelessMessage(*stubs[3], 8 << 20), grpc::StatusCode::RESOURCE_EXHAUSTED));
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    const int64_t received = ServerBytesReceived(server().port()) - before;
    EXPECT_LT(received, 1 << 20) << "the server received " << received << " bytes of a refused 8 MiB message";
  }

  // A log stream takes no upload slot: a Write that names one in the resource-name header
  // (as kiln's workers do) is still taken while every slot is.
  namespace logstream = build::bazel::remote::logstream::v1;
  auto log_service = logstream::LogStreamService::NewStub(channels[3]);
  grpc::ClientContext create_context;
  SetDeadline(&create_context);
  logstream::CreateLogStreamRequest create;
  logstream::LogStream stream;
  grpc::Status created = log_service->CreateLogStream(&create_context, create, &stream);
  ASSERT_TRUE(created.ok()) << Describe(created);
  grpc::ClientContext log_context;
  SetDeadline(&log_context);
  log_context.AddMetadata(std::string(kiln::kResourceNameHeader), stream.write_resource_name());
  google::bytestream::WriteResponse log_response;
  auto log_writer = stubs[3]->Write(&log_context, &log_response);
  google::bytestream::WriteRequest line;
  line.set_resource_name(stream.write_resource_name());
  line.set_data("a log line while the upload caps are full\n");
  line.set_finish_write(true);
  EXPECT_TRUE(log_writer->Write(line));
  log_writer->WritesDone();
  grpc::Status logged = log_writer->Finish();
  EXPECT_TRUE(logged.ok()) << Describe(logged);
  EXPECT_EQ(log_response.committed_size(), static_cast<int64_t>(line.data().size()));

  for (auto& upload : held) upload->context->TryCancel();
  ExpectStillServing();
}

class UploadStallTest : public KilnServerTest {
  std::vector<std::string> ServerFlags() const override {
    return {"--max-open-uploads", "2", "--max-uploads-per-connection", "2", "--upload-stall-timeout", "1s"};
  }
};

TEST_F(UploadStallTest, StalledUploadsAreCancelledAndTheirSlotsReused) {
  auto quiet_channel = server().NewChannel();
  auto quiet = google::bytestream::ByteStream::NewStub(quiet_channel);
  auto first = StartUpload(*quiet, 1);
  auto second = StartUpload(*quiet, 2);
  ASSERT_TRUE(ServerHolds(*quiet, *first));
  ASSERT_TRUE(ServerHolds(*quiet, *second));

  // The server cancels both once they have been silent for a second; the calls end then,
  // long before their 60 s deadline.
  EXPECT_TRUE(HasStatus(first->writer->Finish(), grpc::StatusCode::CANCELLED));
  EXPECT_TRUE(HasStatus(second->writer->Finish(), grpc::StatusCode::CANCELLED));
  google::bytestream::QueryWriteStatusResponse query;
  EXPECT_TRUE(HasStatus(QueryWriteStatus(bytestream(), first->name, &query), grpc::StatusCode::NOT_FOUND))
      << "a reclaimed upload is dropped, not kept for resumption";
  size_t temp_files = 1;
  for (int attempt = 0; attempt < 100 && temp_files > 0; ++attempt) {
    temp_files = UploadTempFiles(data_dir_.path());
    if (temp_files > 0) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(temp_files, 0u) << "the reclaimed uploads' temp files remain";

  // Both slots are free again: two whole uploads at once.
  const std::string one = PseudoRandomBytes(1 << 20, 3);
  const std::string two = PseudoRandomBytes(1 << 20, 4);
  int64_t committed = 0;
  grpc::Status status = ByteStreamWrite(bytestream(), WriteName("", one), one, kChunk, &committed);
  ASSERT_TRUE(status.ok()) << Describe(status);
  status = ByteStreamWrite(bytestream(), WriteName("", two), two, kChunk, &committed);
  ASSERT_TRUE(status.ok()) << Describe(status);
  ExpectStillServing();
}

// Every call is an HTTP/2 stream; a connection may have --max-streams-per-connection at once.
class StreamCapTest : public KilnServerTest {
  std::vector<std::string> ServerFlags() const override { return {"--max-streams-per-connection", "2"}; }
};

grpc::Status GetCapabilitiesWithin(const std::shared_ptr<grpc::Channel>& channel, std::chrono::milliseconds timeout) {
  auto stub = reapi::Capabilities::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + timeout);
  reapi::GetCapabilitiesRequest request;
  reapi::ServerCapabilities capabilities;
  return stub->GetCapabilities(&context, request, &capabilities);
}

TEST_F(StreamCapTest, ACallBeyondTheCapWaitsForAStreamAndOtherConnectionsAreUnaffected) {
  auto busy_channel = server().NewChannel();
  auto busy = google::bytestream::ByteStream::NewStub(busy_channel);
  auto first = StartUpload(*busy, 1);
  auto second = StartUpload(*busy, 2);
  ASSERT_TRUE(ServerHolds(bytestream(), *first));
  ASSERT_TRUE(ServerHolds(bytestream(), *second));

  // The busy connection's third call is held by the client library, not refused...
  EXPECT_TRUE(HasStatus(GetCapabilitiesWithin(busy_channel, std::chrono::milliseconds(500)),
                        grpc::StatusCode::DEADLINE_EXCEEDED));
  // ...while another connection is answered at once.
  grpc::Status other = GetCapabilitiesWithin(server().NewChannel(), std::chrono::seconds(10));
  EXPECT_TRUE(other.ok()) << Describe(other);

  // Once one of its calls ends, the busy connection's next call goes through.
  EXPECT_TRUE(HasStatus(first->Finish(), grpc::StatusCode::INVALID_ARGUMENT, "without finish_write"));
  grpc::Status after = GetCapabilitiesWithin(busy_channel, std::chrono::seconds(10));
  EXPECT_TRUE(after.ok()) << Describe(after);
  second->context->TryCancel();
  second->writer->Finish();
  ExpectStillServing();
}

}  // namespace
}  // namespace kiln_test
