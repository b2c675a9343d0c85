// Authentication and per-permission access against the real server: an auth file with a
// reader, a writer, a principal limited to one instance and a worker principal, bearer tokens
// sent by kiln's own client channels, and one RPC of each service allowed and denied.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cstdio>

#include <fstream>

#include "build/bazel/remote/asset/v1/remote_asset.grpc.pb.h"
#include "build/bazel/remote/logstream/v1/remote_logstream.grpc.pb.h"
#include "client/client_channel.h"
#include "common/hasher.h"
#include "execution_util.h"
#include "google/longrunning/operations.grpc.pb.h"
#include "kiln/worker/v1/worker.grpc.pb.h"

namespace kiln_test {
namespace {

namespace asset = build::bazel::remote::asset::v1;
namespace logstream = build::bazel::remote::logstream::v1;

std::string Sha256Hex(const std::string& text) {
  return kiln::ComputeDigest(kiln::DigestFunction::kSha256, text).hash();
}

void WriteFile(const std::string& path, const std::string& text, mode_t mode = 0600) {
  std::ofstream(path) << text;
  ASSERT_EQ(::chmod(path.c_str(), mode), 0);
}

class AuthTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string auth_file = dir_.path() + "/auth.json";
    WriteFile(auth_file, R"({"principals": [
      {"name": "reader", "token_sha256": [")" + Sha256Hex("reader-token") + R"("],
       "grants": [{"permissions": ["cas-read", "ac-read"], "instances": [""]}]},
      {"name": "writer", "token_sha256": [")" + Sha256Hex("writer-token") + R"("],
       "grants": [{"permissions": ["cas-read", "cas-write", "ac-read", "ac-write", "execute", "asset-fetch",
                                   "asset-push", "logs-read", "logs-write"]}]},
      {"name": "team", "token_sha256": [")" + Sha256Hex("team-token") + R"("],
       "grants": [{"permissions": ["cas-read", "cas-write"], "instances": ["team/a"]}]},
      {"name": "builder", "token_sha256": [")" + Sha256Hex("builder-token") + R"("],
       "grants": [{"permissions": ["worker"]}]},
      {"name": "stranger", "token_sha256": [")" + Sha256Hex("stranger-token") + R"("],
       "grants": [{"permissions": ["cas-read", "cas-write", "execute"]}]},
      {"name": "operator", "token_sha256": [")" + Sha256Hex("operator-token") + R"("],
       "grants": [{"permissions": ["execute", "admin"]}]}],
     "anonymous": {"grants": []}})");
    std::string error;
    server_ = KilnProcess::Start(data_dir_.path(), {"--auth-file", auth_file, "--workers", "1"}, &error);
    ASSERT_TRUE(server_) << error;
  }

  // A channel of kiln's own client factory that sends `token` on every call.
  std::shared_ptr<grpc::Channel> ChannelWithToken(const std::string& token) {
    const std::string path = dir_.path() + "/" + token;
    WriteFile(path, token + "\n");
    kiln::ClientConnectionOptions options;
    options.target = "grpc://" + server_->address();
    options.token_file = path;
    auto factory = kiln::ClientChannelFactory::Create(options);
    EXPECT_TRUE(factory.ok()) << factory.status().ToString();
    return (*factory)->NewChannel();
  }

  static grpc::Status FindMissing(const std::shared_ptr<grpc::Channel>& channel, const std::string& instance) {
    grpc::ClientContext context;
    reapi::FindMissingBlobsRequest request;
    request.set_instance_name(instance);
    reapi::FindMissingBlobsResponse response;
    return reapi::ContentAddressableStorage::NewStub(channel)->FindMissingBlobs(&context, request, &response);
  }

  static grpc::Status BatchUpdate(const std::shared_ptr<grpc::Channel>& channel, const std::string& instance) {
    grpc::ClientContext context;
    reapi::BatchUpdateBlobsRequest request;
    request.set_instance_name(instance);
    auto* blob = request.add_requests();
    *blob->mutable_digest() = ProtoDigestOf("authorized bytes");
    blob->set_data("authorized bytes");
    reapi::BatchUpdateBlobsResponse response;
    return reapi::ContentAddressableStorage::NewStub(channel)->BatchUpdateBlobs(&context, request, &response);
  }

  static void ExpectDenied(const grpc::Status& status, const std::string& principal, const std::string& permission) {
    EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED) << status.error_message();
    EXPECT_NE(status.error_message().find(principal), std::string::npos) << status.error_message();
    EXPECT_NE(status.error_message().find(permission), std::string::npos) << status.error_message();
  }

  TempDir dir_;
  TempDir data_dir_;
  std::unique_ptr<KilnProcess> server_;
};

TEST_F(AuthTest, CallsWithoutOrWithBadCredentialsAreUnauthenticatedWithoutEchoingTheSecret) {
  grpc::Status none = FindMissing(server_->channel(), "");
  EXPECT_EQ(none.error_code(), grpc::StatusCode::UNAUTHENTICATED) << none.error_message();
  grpc::Status bad = FindMissing(ChannelWithToken("not-a-real-token"), "");
  EXPECT_EQ(bad.error_code(), grpc::StatusCode::UNAUTHENTICATED) << bad.error_message();
  EXPECT_NE(bad.error_message().find("bearer"), std::string::npos) << bad.error_message();
  EXPECT_EQ(bad.error_message().find("not-a-real-token"), std::string::npos) << bad.error_message();
}

TEST_F(AuthTest, EachServiceChecksItsPermission) {
  auto reader = ChannelWithToken("reader-token");
  auto writer = ChannelWithToken("writer-token");
  // CAS.
  EXPECT_TRUE(FindMissing(reader, "").ok());
  ExpectDenied(BatchUpdate(reader, ""), "reader", "cas-write");
  EXPECT_TRUE(BatchUpdate(writer, "").ok());
  // SplitBlob stores only chunks of a blob already stored: a read. SpliceBlob stores a blob.
  {
    reapi::SplitBlobRequest split;
    *split.mutable_blob_digest() = UnknownDigest();
    reapi::SplitBlobResponse split_response;
    grpc::ClientContext context;
    SetDeadline(&context);
    EXPECT_EQ(reapi::ContentAddressableStorage::NewStub(reader)->SplitBlob(&context, split, &split_response).error_code(),
              grpc::StatusCode::NOT_FOUND);
    reapi::SpliceBlobRequest splice;
    *splice.mutable_blob_digest() = UnknownDigest();
    reapi::SpliceBlobResponse splice_response;
    grpc::ClientContext denied;
    SetDeadline(&denied);
    ExpectDenied(reapi::ContentAddressableStorage::NewStub(reader)->SpliceBlob(&denied, splice, &splice_response),
                 "reader", "cas-write");
  }
  // Action cache: a reader may look up (NOT_FOUND: allowed, just absent), not write.
  {
    grpc::ClientContext context;
    reapi::GetActionResultRequest request;
    *request.mutable_action_digest() = ProtoDigestOf("no such action");
    reapi::ActionResult result;
    EXPECT_EQ(reapi::ActionCache::NewStub(reader)->GetActionResult(&context, request, &result).error_code(),
              grpc::StatusCode::NOT_FOUND);
  }
  {
    grpc::ClientContext context;
    reapi::UpdateActionResultRequest request;
    *request.mutable_action_digest() = ProtoDigestOf("poisoned action");
    request.mutable_action_result()->set_exit_code(0);
    reapi::ActionResult result;
    ExpectDenied(reapi::ActionCache::NewStub(reader)->UpdateActionResult(&context, request, &result), "reader",
                 "ac-write");
  }
  // ByteStream: reading a blob is cas-read, writing one cas-write.
  {
    grpc::ClientContext context;
    google::bytestream::WriteRequest request;
    request.set_resource_name("uploads/0e9d7c8e-3f0a-4d55-9c1b-8b6a2f1c7e11/blobs/" + DigestOf("x").hash() + "/1");
    request.set_data("x");
    request.set_finish_write(true);
    google::bytestream::WriteResponse response;
    auto writer_stream = google::bytestream::ByteStream::NewStub(reader)->Write(&context, &response);
    writer_stream->Write(request);
    writer_stream->WritesDone();
    ExpectDenied(writer_stream->Finish(), "reader", "cas-write");
  }
  // Execution and operations.
  ActionSpec spec;
  spec.arguments = {"/bin/true"};
  auto writer_cas = reapi::ContentAddressableStorage::NewStub(writer);
  const reapi::Digest action = UploadAction(*writer_cas, spec);
  ExecuteResult denied = Execute(reader, action);
  ExpectDenied(denied.status, "reader", "execute");
  ExecuteResult ran = Execute(writer, action);
  ASSERT_TRUE(ran.status.ok()) << ran.status.error_message();
  EXPECT_EQ(ran.response.result().exit_code(), 0);
  {
    grpc::ClientContext context;
    google::longrunning::ListOperationsRequest request;
    google::longrunning::ListOperationsResponse response;
    ExpectDenied(google::longrunning::Operations::NewStub(reader)->ListOperations(&context, request, &response),
                 "reader", "execute");
  }
  // Remote Asset and log streams.
  {
    grpc::ClientContext context;
    asset::FetchBlobRequest request;
    request.add_uris("https://example.invalid/file");
    asset::FetchBlobResponse response;
    ExpectDenied(asset::Fetch::NewStub(reader)->FetchBlob(&context, request, &response), "reader", "asset-fetch");
  }
  {
    grpc::ClientContext context;
    asset::PushBlobRequest request;
    request.add_uris("https://example.invalid/file");
    asset::PushBlobResponse response;
    ExpectDenied(asset::Push::NewStub(reader)->PushBlob(&context, request, &response), "reader", "asset-push");
  }
  {
    grpc::ClientContext context;
    logstream::CreateLogStreamRequest request;
    logstream::LogStream stream;
    ExpectDenied(logstream::LogStreamService::NewStub(reader)->CreateLogStream(&context, request, &stream), "reader",
                 "logs-write");
    grpc::ClientContext allowed;
    EXPECT_TRUE(logstream::LogStreamService::NewStub(writer)->CreateLogStream(&allowed, request, &stream).ok());
  }
}

TEST_F(AuthTest, CapabilitiesNeedAGrantForTheInstance) {
  auto capabilities = [](const std::shared_ptr<grpc::Channel>& channel, const std::string& instance,
                         reapi::ServerCapabilities* out) {
    grpc::ClientContext context;
    reapi::GetCapabilitiesRequest request;
    request.set_instance_name(instance);
    return reapi::Capabilities::NewStub(channel)->GetCapabilities(&context, request, out);
  };
  reapi::ServerCapabilities seen;
  ASSERT_TRUE(capabilities(ChannelWithToken("reader-token"), "", &seen).ok());
  ASSERT_TRUE(capabilities(ChannelWithToken("writer-token"), "", &seen).ok());
  EXPECT_EQ(capabilities(ChannelWithToken("reader-token"), "elsewhere", &seen).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(AuthTest, InstanceGrantsCoverWholePathSegments) {
  auto team = ChannelWithToken("team-token");
  EXPECT_TRUE(BatchUpdate(team, "team/a").ok());
  EXPECT_TRUE(BatchUpdate(team, "team/a/sub").ok());
  ExpectDenied(BatchUpdate(team, "team/ab"), "team", "cas-write");
  ExpectDenied(BatchUpdate(team, ""), "team", "cas-write");
}

TEST_F(AuthTest, OnlyWorkerPrincipalsMayConnectAsWorkers) {
  auto connect = [](const std::shared_ptr<grpc::Channel>& channel) {
    grpc::ClientContext context;
    auto stream = kiln::worker::v1::WorkerService::NewStub(channel)->Connect(&context);
    kiln::worker::v1::WorkerMessage hello;
    hello.mutable_hello()->set_worker_id("rogue");
    stream->Write(hello);
    stream->WritesDone();
    kiln::worker::v1::SchedulerMessage ignored;
    while (stream->Read(&ignored)) {
    }
    return stream->Finish();
  };
  ExpectDenied(connect(ChannelWithToken("writer-token")), "writer", "worker");
  EXPECT_EQ(connect(server_->channel()).error_code(), grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(AuthTest, OperationsAreVisibleToTheirOwnersAndAdminsOnly) {
  auto writer = ChannelWithToken("writer-token");
  auto stranger = ChannelWithToken("stranger-token");
  auto operator_channel = ChannelWithToken("operator-token");
  ActionSpec spec;
  spec.arguments = {"/bin/sh", "-c", "echo owned"};
  spec.do_not_cache = true;
  auto writer_cas = reapi::ContentAddressableStorage::NewStub(writer);
  ExecuteResult ran = Execute(writer, UploadAction(*writer_cas, spec));
  ASSERT_TRUE(ran.status.ok()) << ran.status.error_message();
  ASSERT_FALSE(ran.updates.empty());
  const std::string name = ran.updates.back().name();
  auto get = [&](const std::shared_ptr<grpc::Channel>& channel, const std::string& operation) {
    grpc::ClientContext context;
    google::longrunning::GetOperationRequest request;
    request.set_name(operation);
    google::longrunning::Operation out;
    return google::longrunning::Operations::NewStub(channel)->GetOperation(&context, request, &out);
  };
  EXPECT_TRUE(get(writer, name).ok());
  EXPECT_TRUE(get(operator_channel, name).ok());
  // A stranger learns nothing, not even that the name exists: the same answer as for a
  // name nobody made.
  grpc::Status hidden = get(stranger, name);
  grpc::Status unknown = get(stranger, "operations/00000000000000000000000000000000");
  EXPECT_EQ(hidden.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(unknown.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(hidden.error_message().substr(hidden.error_message().find(" is")),
            unknown.error_message().substr(unknown.error_message().find(" is")));
  auto list = [&](const std::shared_ptr<grpc::Channel>& channel) {
    grpc::ClientContext context;
    google::longrunning::ListOperationsRequest request;
    google::longrunning::ListOperationsResponse response;
    EXPECT_TRUE(google::longrunning::Operations::NewStub(channel)->ListOperations(&context, request, &response).ok());
    return response.operations_size();
  };
  EXPECT_EQ(list(stranger), 0);
  EXPECT_GE(list(writer), 1);
  EXPECT_GE(list(operator_channel), 1);
}

TEST(AuthStartupTest, ANetworkListenerWithoutAnAuthFileRefusesToStart) {
  TempDir data_dir;
  // Refused while parsing flags, before anything binds: 0.0.0.0 is never listened on.
  const std::string command = std::string(KILN_BINARY) + " serve --listen 0.0.0.0:0 --data-dir " + data_dir.path() +
                              " 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string output;
  char buffer[4096];
  for (size_t n; (n = ::fread(buffer, 1, sizeof(buffer), pipe)) > 0;) output.append(buffer, n);
  const int status = ::pclose(pipe);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 2) << status << ": " << output;
  EXPECT_NE(output.find("--auth-file"), std::string::npos) << output;
  EXPECT_NE(output.find("--allow-anonymous-network-access"), std::string::npos) << output;
  EXPECT_EQ(output.find("serving on"), std::string::npos) << output;
}

}  // namespace
}  // namespace kiln_test
