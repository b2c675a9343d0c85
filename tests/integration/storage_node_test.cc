// Frontends that keep their CAS and action cache on a storage node (kiln serve --cas, and
// --role storage), as real processes: what one frontend writes the other reads, a result
// computed through one is a cache hit through the other, the storage node's death is
// UNAVAILABLE (not a crash, not a false "present") until it is back, and the storage node
// itself executes nothing. SplitBlob and SpliceBlob work through frontends on the node.
#include <fstream>

#include "common/hasher.h"
#include "execution_util.h"
#include "remote_worker_process.h"
#include "test_util.h"
#include "testing/eventually.h"
#include "tls_fixture.h"

namespace kiln_test {
namespace {

using kiln::Eventually;

grpc::Status GetResult(const std::shared_ptr<grpc::Channel>& channel, const reapi::Digest& action,
                       reapi::ActionResult* result) {
  grpc::ClientContext context;
  SetDeadline(&context, std::chrono::seconds(10));
  reapi::GetActionResultRequest request;
  *request.mutable_action_digest() = action;
  return reapi::ActionCache::NewStub(channel)->GetActionResult(&context, request, result);
}

// A blob's presence as `process` reports it: OK and missing or present, or the call's error.
grpc::Status FindOne(KilnProcess& process, const reapi::Digest& digest, bool* missing) {
  std::vector<reapi::Digest> missing_digests;
  grpc::Status status = FindMissing(process.cas(), "", {digest}, &missing_digests);
  *missing = !missing_digests.empty();
  return status;
}

ActionSpec WritesAnOutput(const std::string& text) {
  ActionSpec spec;
  spec.arguments = {"/bin/sh", "-c", "echo " + text + " > out.txt"};
  spec.environment = {{"PATH", "/usr/bin:/bin"}};
  spec.output_paths = {"out.txt"};
  return spec;
}

class StorageNodeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    StartStorage({});
    a_ = StartFrontend(a_dir_, {"--workers", "1"});
    b_ = StartFrontend(b_dir_, {"--workers", "1"});
  }

  void TearDown() override {
    // Every process must still be running and stop cleanly: no crash along the way.
    for (KilnProcess* process : {a_.get(), b_.get(), storage_.get()}) {
      if (process) EXPECT_EQ(process->Stop(), 0) << process->stdout_text();
    }
  }

  void StartStorage(const std::vector<std::string>& listen) {
    std::vector<std::string> flags = {"--role", "storage"};
    flags.insert(flags.end(), listen.begin(), listen.end());
    std::string error;
    storage_ = KilnProcess::Start(storage_dir_.path(), flags, &error);
    ASSERT_TRUE(storage_) << error;
  }

  std::unique_ptr<KilnProcess> StartFrontend(const TempDir& dir, const std::vector<std::string>& extra) {
    std::vector<std::string> flags = {"--cas", "grpc://" + storage_->address()};
    flags.insert(flags.end(), extra.begin(), extra.end());
    std::string error;
    auto frontend = KilnProcess::Start(dir.path(), flags, &error);
    EXPECT_TRUE(frontend) << error;
    return frontend;
  }

  TempDir storage_dir_, a_dir_, b_dir_;
  std::unique_ptr<KilnProcess> storage_, a_, b_;
};

TEST_F(StorageNodeTest, ABlobWrittenThroughOneFrontendIsReadThroughTheOther) {
  ASSERT_TRUE(a_ && b_);
  ASSERT_TRUE(BatchUpload(a_->cas(), "", {"small blob"}));
  const std::string large = PseudoRandomBytes(3 * 1024 * 1024 + 17, 7);  // ByteStream both ways.
  int64_t committed = 0;
  ASSERT_TRUE(ByteStreamWrite(a_->bytestream(), WriteName("", large), large, 256 * 1024, &committed).ok());
  for (const std::string* data : {&large}) {
    bool missing = true;
    ASSERT_TRUE(FindOne(*storage_, ProtoDigestOf(*data), &missing).ok());
    EXPECT_FALSE(missing) << "acknowledged before the storage node had it";
  }
  bool missing = true;
  ASSERT_TRUE(FindOne(*b_, ProtoDigestOf("small blob"), &missing).ok());
  EXPECT_FALSE(missing);
  reapi::BatchReadBlobsRequest request;
  *request.add_digests() = ProtoDigestOf("small blob");
  reapi::BatchReadBlobsResponse response;
  ASSERT_TRUE(BatchRead(b_->cas(), request, &response).ok());
  ASSERT_EQ(response.responses_size(), 1);
  EXPECT_EQ(response.responses(0).data(), "small blob");
  std::string read;
  ASSERT_TRUE(ByteStreamRead(b_->bytestream(), ReadName("", large), &read).ok());
  EXPECT_TRUE(read == large);
  // A blob nobody wrote is missing everywhere.
  ASSERT_TRUE(FindOne(*b_, UnknownDigest(), &missing).ok());
  EXPECT_TRUE(missing);
}

TEST_F(StorageNodeTest, AResultComputedThroughOneFrontendIsACacheHitThroughTheOther) {
  ASSERT_TRUE(a_ && b_);
  const reapi::Digest action = UploadAction(a_->cas(), WritesAnOutput("shared"));
  ExecuteResult first = Execute(a_->channel(), action);
  ASSERT_TRUE(first.status.ok()) << Describe(first.status);
  ASSERT_EQ(first.response.status().code(), 0) << Describe(first.response.status());
  ASSERT_EQ(first.response.result().output_files_size(), 1);
  EXPECT_FALSE(first.response.cached_result());
  const reapi::Digest output = first.response.result().output_files(0).digest();

  reapi::ActionResult cached;
  grpc::Status got = GetResult(b_->channel(), action, &cached);
  ASSERT_TRUE(got.ok()) << Describe(got);
  EXPECT_EQ(cached.output_files(0).digest().hash(), output.hash());
  ExecuteResult second = Execute(b_->channel(), action);
  ASSERT_TRUE(second.status.ok()) << Describe(second.status);
  EXPECT_TRUE(second.response.cached_result());
  EXPECT_EQ(ReadBlobText(b_->bytestream(), output), "shared\n");
}

TEST_F(StorageNodeTest, ARemoteWorkerOfAFrontendReadsAndWritesThroughIt) {
  ASSERT_TRUE(a_ && b_);
  TempDir c_dir, work_dir;
  auto c = StartFrontend(c_dir, {"--workers", "0"});
  ASSERT_TRUE(c);
  std::string error;
  // --storage frontend: the node's own clients are the frontends (worker_storage_test.cc has
  // workers reading the node directly, the default).
  auto worker = WorkerProcess::Start(c->address(), work_dir.path(), "remote-1", {"--storage", "frontend"}, &error);
  ASSERT_TRUE(worker) << error;
  // Uploaded through A: C's worker stages the inputs through C, which reads them through.
  const reapi::Digest action = UploadAction(a_->cas(), WritesAnOutput("remote"));
  ExecuteResult run = Execute(c->channel(), action);
  ASSERT_TRUE(run.status.ok()) << Describe(run.status);
  ASSERT_EQ(run.response.status().code(), 0) << Describe(run.response.status());
  EXPECT_EQ(run.response.result().execution_metadata().worker(), "remote-1");
  EXPECT_EQ(ReadBlobText(b_->bytestream(), run.response.result().output_files(0).digest()), "remote\n");
  reapi::ActionResult cached;
  EXPECT_TRUE(GetResult(a_->channel(), action, &cached).ok());
  EXPECT_EQ(worker->Stop(), 0) << worker->stdout_text();
  EXPECT_EQ(c->Stop(), 0) << c->stdout_text();
}

TEST_F(StorageNodeTest, AStorageNodeThatIsDownIsUnavailableUntilItIsBack) {
  ASSERT_TRUE(a_ && b_);
  ASSERT_TRUE(BatchUpload(a_->cas(), "", {"kept"}));
  const reapi::Digest action = UploadAction(a_->cas(), WritesAnOutput("before"));
  ASSERT_EQ(Execute(a_->channel(), action).response.status().code(), 0);
  const int port = storage_->port();
  storage_->Kill9();

  bool missing = false;
  grpc::Status found = FindOne(*b_, ProtoDigestOf("kept"), &missing);
  EXPECT_EQ(found.error_code(), grpc::StatusCode::UNAVAILABLE) << Describe(found);
  reapi::BatchReadBlobsRequest request;
  *request.add_digests() = ProtoDigestOf("kept");  // Never read through B: not in its cache.
  reapi::BatchReadBlobsResponse response;
  ASSERT_TRUE(BatchRead(b_->cas(), request, &response).ok());
  EXPECT_EQ(response.responses(0).status().code(), grpc::StatusCode::UNAVAILABLE);
  std::string read;
  EXPECT_EQ(ByteStreamRead(b_->bytestream(), ReadName("", "kept"), &read).error_code(), grpc::StatusCode::UNAVAILABLE);
  int64_t committed = 0;
  EXPECT_EQ(ByteStreamWrite(a_->bytestream(), WriteName("", "new"), "new", 1024, &committed).error_code(),
            grpc::StatusCode::UNAVAILABLE);
  reapi::ActionResult result;
  EXPECT_EQ(GetResult(b_->channel(), action, &result).error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(Execute(b_->channel(), action).status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_TRUE(a_->running() && b_->running());

  StartStorage({"--listen", "127.0.0.1:" + std::to_string(port)});
  ASSERT_TRUE(storage_);
  EXPECT_TRUE(Eventually([&] { return FindOne(*b_, ProtoDigestOf("kept"), &missing).ok(); }, std::chrono::seconds(10)));
  EXPECT_FALSE(missing);
  EXPECT_TRUE(GetResult(b_->channel(), action, &result).ok());
  EXPECT_TRUE(Execute(b_->channel(), action).response.cached_result());
  // A reconnects on its own schedule (within about a second of the node's return).
  EXPECT_TRUE(Eventually([&] { return static_cast<bool>(BatchUpload(a_->cas(), "", {"after"})); },
                         std::chrono::seconds(10)));
}

TEST_F(StorageNodeTest, TheStorageNodeExecutesNothing) {
  ASSERT_TRUE(storage_);
  grpc::ClientContext context;
  SetDeadline(&context, std::chrono::seconds(10));
  reapi::ServerCapabilities capabilities;
  ASSERT_TRUE(storage_->capabilities().GetCapabilities(&context, reapi::GetCapabilitiesRequest(), &capabilities).ok());
  EXPECT_TRUE(capabilities.has_cache_capabilities());
  EXPECT_FALSE(capabilities.has_execution_capabilities());
  const reapi::Digest action = UploadAction(storage_->cas(), WritesAnOutput("never"));
  EXPECT_EQ(Execute(storage_->channel(), action).status.error_code(), grpc::StatusCode::UNIMPLEMENTED);
  // A frontend over it does execute.
  grpc::ClientContext frontend_context;
  SetDeadline(&frontend_context, std::chrono::seconds(10));
  ASSERT_TRUE(a_->capabilities().GetCapabilities(&frontend_context, reapi::GetCapabilitiesRequest(), &capabilities).ok());
  EXPECT_TRUE(capabilities.execution_capabilities().exec_enabled());
}

// The frontend-to-storage hop over TLS with a bearer token, the storage node requiring both.
TEST_F(TlsTest, AFrontendReachesItsStorageNodeOverTlsWithAToken) {
  const std::string auth_file = dir_.path() + "/auth.json";
  std::ofstream(auth_file) << R"({"principals": [
      {"name": "frontend", "token_sha256": [")" + kiln::ComputeDigest(kiln::DigestFunction::kSha256, "test-token").hash() +
                                 R"("], "grants": [{"permissions": ["cas-read", "cas-write", "ac-read", "ac-write"]}]}]})";
  StartServer({"--role", "storage", "--auth-file", auth_file});
  TempDir frontend_dir, stranger_dir;
  std::string error;
  auto frontend = KilnProcess::Start(frontend_dir.path(),
                                     {"--cas", TlsTarget(), "--cas-tls-ca", certs_.ca(), "--cas-token-file", token_file_,
                                      "--workers", "1"},
                                     &error);
  ASSERT_TRUE(frontend) << error;
  ASSERT_TRUE(BatchUpload(frontend->cas(), "", {"over tls"}));
  const reapi::Digest action = UploadAction(frontend->cas(), WritesAnOutput("tls"));
  ExecuteResult run = Execute(frontend->channel(), action);
  ASSERT_TRUE(run.status.ok()) << Describe(run.status);
  EXPECT_EQ(run.response.status().code(), 0) << Describe(run.response.status());
  reapi::ActionResult cached;
  EXPECT_TRUE(GetResult(frontend->channel(), action, &cached).ok());

  // Without the token the storage node refuses the frontend, and its clients hear why.
  auto stranger = KilnProcess::Start(stranger_dir.path(), {"--cas", TlsTarget(), "--cas-tls-ca", certs_.ca()}, &error);
  ASSERT_TRUE(stranger) << error;
  bool missing = false;
  grpc::Status refused = FindOne(*stranger, ProtoDigestOf("over tls"), &missing);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::UNAUTHENTICATED) << Describe(refused);
  EXPECT_EQ(frontend->Stop(), 0) << frontend->stdout_text();
  EXPECT_EQ(stranger->Stop(), 0) << stranger->stdout_text();
}

}  // namespace
}  // namespace kiln_test

namespace kiln_test {
namespace {

// Split and splice through frontends whose CAS is the storage node: chunks a split stores
// through one frontend are on the node, so a splice through the other can use them.
TEST_F(StorageNodeTest, SplitThroughOneFrontendSpliceThroughTheOther) {
  const std::string blob = PseudoRandomBytes(3 << 20, 11);
  ASSERT_TRUE(ByteStreamWrite(a_->bytestream(), WriteName("", blob), blob, 1 << 20, nullptr).ok());
  reapi::SplitBlobRequest split;
  *split.mutable_blob_digest() = ProtoDigestOf(blob);
  split.set_chunking_function(reapi::ChunkingFunction::REP_MAX_CDC);
  reapi::SplitBlobResponse chunks;
  {
    grpc::ClientContext context;
    SetDeadline(&context);
    grpc::Status status = a_->cas().SplitBlob(&context, split, &chunks);
    ASSERT_TRUE(status.ok()) << Describe(status);
  }
  ASSERT_GT(chunks.chunk_digests_size(), 3);
  // The same bytes with the first chunk's bytes again at the end: all its chunks are known.
  const std::string first_chunk = blob.substr(0, chunks.chunk_digests(0).size_bytes());
  const std::string longer = blob + first_chunk;
  reapi::SpliceBlobRequest splice;
  *splice.mutable_blob_digest() = ProtoDigestOf(longer);
  *splice.mutable_chunk_digests() = chunks.chunk_digests();
  *splice.add_chunk_digests() = chunks.chunk_digests(0);
  reapi::SpliceBlobResponse spliced;
  grpc::ClientContext context;
  SetDeadline(&context);
  grpc::Status status = b_->cas().SpliceBlob(&context, splice, &spliced);
  ASSERT_TRUE(status.ok()) << Describe(status);
  bool missing = true;
  ASSERT_TRUE(FindOne(*storage_, ProtoDigestOf(longer), &missing).ok());
  EXPECT_FALSE(missing) << "the spliced blob is not on the storage node";
  std::string read;
  ASSERT_TRUE(ByteStreamRead(a_->bytestream(), "blobs/" + ProtoDigestOf(longer).hash() + "/" +
                                                   std::to_string(longer.size()), &read)
                  .ok());
  EXPECT_TRUE(read == longer);
}

}  // namespace
}  // namespace kiln_test
