// Client certificates as credentials: with mutual TLS and an auth file, a verified
// certificate whose name a principal lists authenticates as that principal, and gets that
// principal's grants; a client without a certificate is anonymous.
#include <fstream>

#include "common/hasher.h"
#include "execution_util.h"
#include "remote_worker_process.h"
#include "test_util.h"
#include "tls_fixture.h"

namespace kiln_test {
namespace {

grpc::Status BatchUpdate(const std::shared_ptr<grpc::Channel>& channel) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  reapi::BatchUpdateBlobsRequest request;
  auto* blob = request.add_requests();
  *blob->mutable_digest() = ProtoDigestOf("written by a certificate");
  blob->set_data("written by a certificate");
  reapi::BatchUpdateBlobsResponse response;
  return reapi::ContentAddressableStorage::NewStub(channel)->BatchUpdateBlobs(&context, request, &response);
}

TEST_F(TlsTest, AClientCertificateNameAuthenticatesAsItsPrincipal) {
  // The fixture's client certificate: CN worker-1, SANs DNS:worker-1.example and a URI.
  const std::string auth_file = dir_.path() + "/auth.json";
  std::ofstream(auth_file) << R"({"principals": [
      {"name": "builder", "certificate_names": ["worker-1.example"],
       "grants": [{"permissions": ["cas-read", "cas-write"]}]}],
    "anonymous": {"grants": [{"permissions": ["cas-read"]}]}})";
  StartServer({"--tls-client-ca", certs_.ca(), "--tls-client-auth=optional", "--auth-file", auth_file});
  EXPECT_TRUE(BatchUpdate(Channel(Options(client_))).ok());
  // Without a certificate: anonymous, who may read but not write; told that credentials
  // were missing (UNAUTHENTICATED), not merely refused.
  grpc::Status anonymous = BatchUpdate(Channel(Options()));
  EXPECT_EQ(anonymous.error_code(), grpc::StatusCode::UNAUTHENTICATED) << anonymous.error_message();
  EXPECT_NE(anonymous.error_message().find("anonymous"), std::string::npos) << anonymous.error_message();
  EXPECT_TRUE(GetCapabilities(Channel(Options())).status.ok());
}

TEST_F(TlsTest, AWorkerRunsAndReportsAsItsAuthenticatedPrincipal) {
  const std::string auth_file = dir_.path() + "/auth.json";
  std::ofstream(auth_file) << R"({"principals": [
      {"name": "builder-1", "certificate_names": ["worker-1.example"], "grants": [{"permissions": ["worker"]}]},
      {"name": "ci", "token_sha256": [")" + kiln::ComputeDigest(kiln::DigestFunction::kSha256, "ci-token").hash() +
                                 R"("], "grants": [{"permissions": ["cas-read", "cas-write", "execute"]}]}]})";
  StartServer({"--tls-client-ca", certs_.ca(), "--tls-client-auth=optional", "--auth-file", auth_file, "--workers",
               "0"});
  TempDir work_dir;
  std::string error;
  auto worker = WorkerProcess::Start(TlsTarget(), work_dir.path(), "host-7", {"--tls-ca", certs_.ca(), "--tls-cert",
                                     client_.cert, "--tls-key", client_.key}, &error);
  ASSERT_TRUE(worker) << error;
  const std::string token_file = dir_.path() + "/ci.token";
  std::ofstream(token_file) << "ci-token";
  ClientConnectionOptions ci = Options();
  ci.token_file = token_file;
  std::shared_ptr<grpc::Channel> channel = Channel(ci);
  auto cas = reapi::ContentAddressableStorage::NewStub(channel);
  ActionSpec spec;
  spec.arguments = {"/bin/sh", "-c", "echo who"};
  spec.environment = {{"PATH", "/usr/bin:/bin"}};
  ExecuteResult run = Execute(channel, UploadAction(*cas, spec));
  ASSERT_TRUE(run.status.ok()) << Describe(run.status);
  EXPECT_EQ(run.response.status().code(), 0) << Describe(run.response.status());
  // What the worker says of itself ("host-7") comes after the principal it proved to be.
  EXPECT_EQ(run.response.result().execution_metadata().worker(), "builder-1/host-7");
  EXPECT_EQ(worker->Stop(SIGTERM), 0) << worker->stdout_text();
}

}  // namespace
}  // namespace kiln_test
