#include "test_util.h"

#include <filesystem>

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <fstream>

#include "common/hasher.h"
#include "common/proto_digest.h"
#include "common/resource_name.h"

namespace kiln_test {
namespace {

const char* CodeName(int code) {
  static const char* kNames[] = {"OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED",
                                 "NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED",
                                 "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL",
                                 "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED"};
  return code >= 0 && code <= 16 ? kNames[code] : "?";
}

::testing::AssertionResult CheckStatus(int actual_code, const std::string& message, grpc::StatusCode code,
                                       std::string_view substring) {
  const std::string described = std::string(CodeName(actual_code)) + ": " + message;
  if (actual_code != static_cast<int>(code)) {
    return ::testing::AssertionFailure() << "expected " << CodeName(static_cast<int>(code)) << ", got " << described;
  }
  if (message.find(substring) == std::string::npos) {
    return ::testing::AssertionFailure() << "message does not mention \"" << substring << "\": " << described;
  }
  return ::testing::AssertionSuccess() << described;
}

}  // namespace

void SetDeadline(grpc::ClientContext* context, std::chrono::seconds timeout) {
  context->set_deadline(std::chrono::system_clock::now() + timeout);
}

std::string Describe(const grpc::Status& status) {
  return std::string(CodeName(status.error_code())) + ": " + status.error_message();
}

std::string Describe(const google::rpc::Status& status) {
  return std::string(CodeName(status.code())) + ": " + status.message();
}

::testing::AssertionResult HasStatus(const grpc::Status& status, grpc::StatusCode code, std::string_view substring) {
  return CheckStatus(status.error_code(), status.error_message(), code, substring);
}

::testing::AssertionResult HasStatus(const google::rpc::Status& status, grpc::StatusCode code,
                                     std::string_view substring) {
  return CheckStatus(status.code(), status.message(), code, substring);
}

std::string PseudoRandomBytes(size_t size, uint64_t seed) {
  std::string out(size, '\0');
  uint64_t x = seed * 0x9e3779b97f4a7c15ULL + 0x2545f4914f6cdd1dULL;
  for (size_t i = 0; i < size; i += 8) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    std::memcpy(out.data() + i, &x, std::min<size_t>(8, size - i));
  }
  return out;
}

std::string CompressibleBytes(size_t size, uint64_t seed) {
  const std::string line = "kiln integration test line, seed " + std::to_string(seed) + ", lorem ipsum dolor\n";
  std::string out;
  out.reserve(size);
  while (out.size() < size) out += line;
  out.resize(size);
  return out;
}

kiln::Digest DigestOf(std::string_view data, DigestFunction function) { return kiln::ComputeDigest(function, data); }

reapi::Digest ProtoDigestOf(std::string_view data, DigestFunction function) {
  return kiln::ToProto(DigestOf(data, function));
}

reapi::Digest ProtoDigest(const std::string& hash, int64_t size) {
  reapi::Digest digest;
  digest.set_hash(hash);
  digest.set_size_bytes(size);
  return digest;
}

reapi::Digest UnknownDigest(int64_t size, char fill) { return ProtoDigest(std::string(64, fill), size); }

int ThreadCount(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("Threads:", 0) == 0) return std::stoi(line.substr(8));
  }
  return -1;
}

int64_t PeakResidentBytes(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stoll(line.substr(6)) * 1024;
  }
  return -1;
}

std::string NewUploadId() {
  static std::atomic<uint64_t> counter{0};
  char buffer[64];
  const uint64_t n = counter++;
  std::snprintf(buffer, sizeof buffer, "%08x-0000-4000-8000-%012llx", static_cast<unsigned>(::getpid()),
                static_cast<unsigned long long>(n));
  return buffer;
}

grpc::Status FindMissing(reapi::ContentAddressableStorage::Stub& cas, const std::string& instance,
                         const std::vector<reapi::Digest>& digests, std::vector<reapi::Digest>* missing,
                         reapi::DigestFunction::Value function) {
  reapi::FindMissingBlobsRequest request;
  request.set_instance_name(instance);
  request.set_digest_function(function);
  for (const auto& digest : digests) *request.add_blob_digests() = digest;
  reapi::FindMissingBlobsResponse response;
  grpc::ClientContext context;
  SetDeadline(&context);
  grpc::Status status = cas.FindMissingBlobs(&context, request, &response);
  if (missing != nullptr) missing->assign(response.missing_blob_digests().begin(), response.missing_blob_digests().end());
  return status;
}

::testing::AssertionResult BatchUpload(reapi::ContentAddressableStorage::Stub& cas, const std::string& instance,
                                       const std::vector<std::string>& blobs, DigestFunction function) {
  reapi::BatchUpdateBlobsRequest request;
  request.set_instance_name(instance);
  request.set_digest_function(kiln::ToProto(function));
  for (const std::string& blob : blobs) {
    auto* item = request.add_requests();
    *item->mutable_digest() = ProtoDigestOf(blob, function);
    item->set_data(blob);
  }
  reapi::BatchUpdateBlobsResponse response;
  grpc::ClientContext context;
  SetDeadline(&context);
  grpc::Status status = cas.BatchUpdateBlobs(&context, request, &response);
  if (!status.ok()) return ::testing::AssertionFailure() << "BatchUpdateBlobs: " << Describe(status);
  if (response.responses_size() != static_cast<int>(blobs.size())) {
    return ::testing::AssertionFailure() << "BatchUpdateBlobs returned " << response.responses_size()
                                         << " responses for " << blobs.size() << " blobs";
  }
  for (const auto& item : response.responses()) {
    if (item.status().code() != 0) {
      return ::testing::AssertionFailure() << "BatchUpdateBlobs item " << item.digest().hash() << ": "
                                           << Describe(item.status());
    }
  }
  return ::testing::AssertionSuccess();
}

grpc::Status BatchRead(reapi::ContentAddressableStorage::Stub& cas, const reapi::BatchReadBlobsRequest& request,
                       reapi::BatchReadBlobsResponse* response) {
  grpc::ClientContext context;
  SetDeadline(&context);
  return cas.BatchReadBlobs(&context, request, response);
}

grpc::Status ByteStreamWrite(google::bytestream::ByteStream::Stub& bytestream, const std::string& resource_name,
                             std::string_view data, size_t chunk_size, int64_t* committed_size, int64_t first_offset) {
  grpc::ClientContext context;
  SetDeadline(&context);
  google::bytestream::WriteResponse response;
  auto writer = bytestream.Write(&context, &response);
  size_t position = 0;
  do {
    google::bytestream::WriteRequest request;
    if (position == 0) request.set_resource_name(resource_name);
    const size_t n = std::min(chunk_size, data.size() - position);
    request.set_write_offset(first_offset + static_cast<int64_t>(position));
    request.set_data(std::string(data.substr(position, n)));
    position += n;
    request.set_finish_write(position == data.size());
    // A false return means the server ended the stream early; Finish() says why.
    if (!writer->Write(request)) break;
  } while (position < data.size());
  writer->WritesDone();
  grpc::Status status = writer->Finish();
  if (committed_size != nullptr) *committed_size = response.committed_size();
  return status;
}

grpc::Status ByteStreamRead(google::bytestream::ByteStream::Stub& bytestream, const std::string& resource_name,
                            std::string* out, int64_t offset, int64_t limit) {
  grpc::ClientContext context;
  SetDeadline(&context);
  google::bytestream::ReadRequest request;
  request.set_resource_name(resource_name);
  request.set_read_offset(offset);
  request.set_read_limit(limit);
  auto reader = bytestream.Read(&context, request);
  google::bytestream::ReadResponse response;
  out->clear();
  while (reader->Read(&response)) out->append(response.data());
  return reader->Finish();
}

grpc::Status QueryWriteStatus(google::bytestream::ByteStream::Stub& bytestream, const std::string& resource_name,
                              google::bytestream::QueryWriteStatusResponse* response) {
  grpc::ClientContext context;
  SetDeadline(&context);
  google::bytestream::QueryWriteStatusRequest request;
  request.set_resource_name(resource_name);
  return bytestream.QueryWriteStatus(&context, request, response);
}

std::string ReadName(const std::string& instance, std::string_view data, kiln::Compression compression) {
  return kiln::MakeReadResourceName(instance, DigestOf(data), compression);
}

std::string WriteName(const std::string& instance, std::string_view data, kiln::Compression compression) {
  return kiln::MakeWriteResourceName(instance, NewUploadId(), DigestOf(data), compression);
}

void KilnServerTest::SetUp() { StartServer(); }

void KilnServerTest::TearDown() {
  if (!server_) return;
  server_->CloseChannel();
  const int exit_code = server_->Stop(SIGTERM);
  EXPECT_EQ(exit_code, 0) << "kiln did not shut down cleanly on SIGTERM; stdout:\n" << server_->stdout_text();
  server_.reset();
}

void KilnServerTest::StartServer() {
  std::string error;
  server_ = KilnProcess::Start(data_dir_.path(), ServerFlags(), &error);
  ASSERT_TRUE(server_) << error;
}

void KilnServerTest::StopServer() {
  ASSERT_TRUE(server_);
  server_->CloseChannel();
  const int exit_code = server_->Stop(SIGTERM);
  EXPECT_EQ(exit_code, 0) << "stdout:\n" << server_->stdout_text();
  EXPECT_NE(server_->stdout_text().find("kiln: stopped"), std::string::npos) << server_->stdout_text();
  server_.reset();
}

void KilnServerTest::ExpectStillServing() {
  ASSERT_TRUE(server_);
  ASSERT_TRUE(server_->running()) << "kiln exited; stdout:\n" << server_->stdout_text();
  grpc::ClientContext context;
  SetDeadline(&context, std::chrono::seconds(10));
  reapi::GetCapabilitiesRequest request;
  reapi::ServerCapabilities response;
  grpc::Status status = server_->capabilities().GetCapabilities(&context, request, &response);
  EXPECT_TRUE(status.ok()) << "GetCapabilities after the bad input: " << Describe(status);
}

size_t UploadTempFiles(const std::string& data_dir) {
  namespace fs = std::filesystem;
  size_t count = 0;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(data_dir + "/tmp", error)) count += entry.is_regular_file();
  for (const auto& entry : fs::recursive_directory_iterator(data_dir + "/cas", error)) {
    count += entry.is_regular_file() && entry.path().filename().string().rfind(".tmp-", 0) == 0;
  }
  return count;
}

}  // namespace kiln_test
