// Shared helpers for the integration tests: a fixture that runs one kiln server per test,
// deterministic test data, digests, and thin wrappers over the RPCs that every test file
// needs (each with a deadline, so no test can hang on a stuck server).
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/compression.h"
#include "common/digest.h"
#include "kiln_process.h"

namespace kiln_test {

using DigestFunction = kiln::DigestFunction;

constexpr std::chrono::seconds kRpcDeadline{60};

// Every RPC in the suite goes through a context made here.
void SetDeadline(grpc::ClientContext* context, std::chrono::seconds timeout = kRpcDeadline);

// "INVALID_ARGUMENT: message", for failure output.
std::string Describe(const grpc::Status& status);
std::string Describe(const google::rpc::Status& status);
// Passes if `status` has `code` and its message contains `substring` (which should name
// the offending field, so a client can tell what it got wrong).
::testing::AssertionResult HasStatus(const grpc::Status& status, grpc::StatusCode code,
                                     std::string_view substring = "");
::testing::AssertionResult HasStatus(const google::rpc::Status& status, grpc::StatusCode code,
                                     std::string_view substring = "");

// Deterministic data: incompressible (xorshift) or highly compressible (repeated text).
std::string PseudoRandomBytes(size_t size, uint64_t seed);
// Files of uploads that never committed in a server's data directory: those in tmp/ and
// the ".tmp-*" files beside blobs under cas/.
size_t UploadTempFiles(const std::string& data_dir);
std::string CompressibleBytes(size_t size, uint64_t seed);

kiln::Digest DigestOf(std::string_view data, DigestFunction function = DigestFunction::kSha256);
reapi::Digest ProtoDigestOf(std::string_view data, DigestFunction function = DigestFunction::kSha256);
reapi::Digest ProtoDigest(const std::string& hash, int64_t size);
// A digest with a well-formed SHA-256 hash that no test uploads.
reapi::Digest UnknownDigest(int64_t size = 123, char fill = '7');
// The number of threads of process `pid` (from /proc), -1 if unknown.
int ThreadCount(pid_t pid);
// The peak resident memory of process `pid` (VmHWM), in bytes; -1 if unknown.
int64_t PeakResidentBytes(pid_t pid);
// A process-wide unique upload id in UUID form.
std::string NewUploadId();

// ---- ContentAddressableStorage ----
grpc::Status FindMissing(reapi::ContentAddressableStorage::Stub& cas, const std::string& instance,
                         const std::vector<reapi::Digest>& digests, std::vector<reapi::Digest>* missing,
                         reapi::DigestFunction::Value function = reapi::DigestFunction::UNKNOWN);
// Uploads `blobs` in one BatchUpdateBlobs call (digests computed with `function`) and
// checks that the call and every item succeeded.
::testing::AssertionResult BatchUpload(reapi::ContentAddressableStorage::Stub& cas, const std::string& instance,
                                       const std::vector<std::string>& blobs,
                                       DigestFunction function = DigestFunction::kSha256);
grpc::Status BatchRead(reapi::ContentAddressableStorage::Stub& cas, const reapi::BatchReadBlobsRequest& request,
                       reapi::BatchReadBlobsResponse* response);

// ---- ByteStream ----
// Writes `data` (already compressed, for compressed names) from `first_offset` in
// `chunk_size` chunks, the last with finish_write.
grpc::Status ByteStreamWrite(google::bytestream::ByteStream::Stub& bytestream, const std::string& resource_name,
                             std::string_view data, size_t chunk_size, int64_t* committed_size,
                             int64_t first_offset = 0);
// Reads the whole stream into *out.
grpc::Status ByteStreamRead(google::bytestream::ByteStream::Stub& bytestream, const std::string& resource_name,
                            std::string* out, int64_t offset = 0, int64_t limit = 0);
grpc::Status QueryWriteStatus(google::bytestream::ByteStream::Stub& bytestream, const std::string& resource_name,
                              google::bytestream::QueryWriteStatusResponse* response);
std::string ReadName(const std::string& instance, std::string_view data,
                     kiln::Compression compression = kiln::Compression::kIdentity);
std::string WriteName(const std::string& instance, std::string_view data,
                      kiln::Compression compression = kiln::Compression::kIdentity);

// Runs one kiln server for the test on its own data directory; the server is stopped with
// SIGTERM afterwards and must exit 0, which also catches any crash the test provoked.
class KilnServerTest : public ::testing::Test {
 protected:
  // Extra `kiln serve` flags for this fixture.
  virtual std::vector<std::string> ServerFlags() const { return {}; }
  void SetUp() override;
  void TearDown() override;

  // Starts a server on data_dir_ (again, after a stop or crash).
  void StartServer();
  // Clean SIGTERM stop; expects exit code 0.
  void StopServer();

  // Fails the test if the server died or stopped answering.
  void ExpectStillServing();

  KilnProcess& server() { return *server_; }
  reapi::ContentAddressableStorage::Stub& cas() { return server_->cas(); }
  google::bytestream::ByteStream::Stub& bytestream() { return server_->bytestream(); }
  reapi::ActionCache::Stub& action_cache() { return server_->action_cache(); }

  TempDir data_dir_;
  std::unique_ptr<KilnProcess> server_;
};

}  // namespace kiln_test
