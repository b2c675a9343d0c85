// The HTTP port of a real `kiln serve`, through libcurl: health checks, readiness with a
// Redis backplane that goes away, the gRPC health service, the bazel-remote cache protocol
// sharing its stores with gRPC, zstd, and TLS with the auth file's tokens.
#include <gtest/gtest.h>

#include <fstream>

#include "auth/token_digest.h"
#include "common/compression.h"
#include "common/hasher.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "http_fetch.h"
#include "kiln_process.h"
#include "test_util.h"
#include "testing/eventually.h"
#include "testing/redis_server_process.h"
#include "testing/temp_dir.h"
#include "testing/test_certificates.h"

namespace kiln_test {
namespace {

using grpc::health::v1::Health;
using grpc::health::v1::HealthCheckRequest;
using grpc::health::v1::HealthCheckResponse;
using kiln::HashHex;
using kiln::TempDir;

std::string Url(const KilnProcess& server, const std::string& path) {
  return "http://127.0.0.1:" + std::to_string(server.http_port()) + path;
}

HealthCheckResponse::ServingStatus GrpcHealth(const std::shared_ptr<grpc::Channel>& channel,
                                              const std::string& service = "") {
  auto stub = Health::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  HealthCheckRequest request;
  request.set_service(service);
  HealthCheckResponse response;
  if (!stub->Check(&context, request, &response).ok()) return HealthCheckResponse::SERVICE_UNKNOWN;
  return response.status();
}

class HttpTest : public ::testing::Test {
 protected:
  void Start(const std::vector<std::string>& flags = {}) {
    std::string error;
    server_ = KilnProcess::Start(dir_.path(), flags, &error);
    ASSERT_TRUE(server_) << error;
    ASSERT_GT(server_->http_port(), 0) << server_->stdout_text();
  }
  TempDir dir_;
  std::unique_ptr<KilnProcess> server_;
};

TEST_F(HttpTest, HealthAndReadinessOverHttpAndGrpc) {
  Start();
  EXPECT_EQ(Fetch({"GET", Url(*server_, "/healthz")}).status, 200);
  HttpReply ready = Fetch({"GET", Url(*server_, "/readyz")});
  EXPECT_EQ(ready.status, 200);
  EXPECT_EQ(ready.body, "ready\n");
  EXPECT_EQ(GrpcHealth(server_->channel()), HealthCheckResponse::SERVING);
  EXPECT_EQ(GrpcHealth(server_->channel(), "build.bazel.remote.execution.v2.Execution"), HealthCheckResponse::SERVING);
  EXPECT_EQ(GrpcHealth(server_->channel(), "no.such.Service"), HealthCheckResponse::SERVICE_UNKNOWN);
  EXPECT_EQ(Fetch({"GET", Url(*server_, "/nothing/here")}).status, 404);
}

TEST_F(HttpTest, ABlobAndAnActionResultAreTheSameOverHttpAndGrpc) {
  Start();
  // HTTP PUT, gRPC read.
  const std::string over_http = "uploaded over HTTP";
  const std::string http_hash = HashHex(DigestFunction::kSha256, over_http);
  ASSERT_EQ(Fetch({"PUT", Url(*server_, "/cas/" + http_hash), over_http}).status, 200);
  reapi::BatchReadBlobsRequest read;
  read.add_digests()->set_hash(http_hash);
  read.mutable_digests(0)->set_size_bytes(static_cast<int64_t>(over_http.size()));
  reapi::BatchReadBlobsResponse read_response;
  ASSERT_TRUE(BatchRead(server_->cas(), read, &read_response).ok());
  EXPECT_EQ(read_response.responses(0).data(), over_http);
  // gRPC upload, HTTP GET (and zstd on request).
  const std::string over_grpc(100'000, 'g');
  ASSERT_TRUE(BatchUpload(server_->cas(), "", {over_grpc}));
  const std::string grpc_path = "/cas/" + HashHex(DigestFunction::kSha256, over_grpc);
  EXPECT_EQ(Fetch({"GET", Url(*server_, grpc_path)}).body, over_grpc);
  HttpReply compressed = Fetch({"GET", Url(*server_, grpc_path), "", {"Accept-Encoding: zstd"}});
  EXPECT_NE(compressed.headers.find("Content-Encoding: zstd"), std::string::npos) << compressed.headers;
  auto decompressed = kiln::ZstdDecompress(compressed.body, 1 << 20);
  ASSERT_TRUE(decompressed.ok());
  EXPECT_EQ(*decompressed, over_grpc);
  // A zstd PUT is stored decompressed.
  const std::string zstd_blob(50'000, 'z');
  const std::string zstd_hash = HashHex(DigestFunction::kSha256, zstd_blob);
  EXPECT_EQ(Fetch({"PUT", Url(*server_, "/cas/" + zstd_hash), *kiln::ZstdCompress(zstd_blob),
                   {"Content-Encoding: zstd"}}).status, 200);
  EXPECT_EQ(Fetch({"GET", Url(*server_, "/cas/" + zstd_hash)}).body, zstd_blob);
  EXPECT_EQ(Fetch({"PUT", Url(*server_, "/cas/" + zstd_hash), "wrong bytes"}).status, 400);

  // An action whose Action blob is in the CAS: its result, stored over gRPC, is an HTTP hit.
  const std::string action = "an Action message";
  ASSERT_TRUE(BatchUpload(server_->cas(), "", {action}));
  reapi::UpdateActionResultRequest update;
  update.mutable_action_digest()->set_hash(HashHex(DigestFunction::kSha256, action));
  update.mutable_action_digest()->set_size_bytes(static_cast<int64_t>(action.size()));
  auto* file = update.mutable_action_result()->add_output_files();
  file->set_path("out");
  file->mutable_digest()->set_hash(http_hash);
  file->mutable_digest()->set_size_bytes(static_cast<int64_t>(over_http.size()));
  grpc::ClientContext context;
  reapi::ActionResult stored;
  ASSERT_TRUE(server_->action_cache().UpdateActionResult(&context, update, &stored).ok());
  HttpReply hit = Fetch({"GET", Url(*server_, "/ac/" + HashHex(DigestFunction::kSha256, action))});
  ASSERT_EQ(hit.status, 200);
  reapi::ActionResult result;
  ASSERT_TRUE(result.ParseFromString(hit.body));
  EXPECT_EQ(result.output_files(0).path(), "out");
  EXPECT_EQ(Fetch({"PUT", Url(*server_, "/ac/" + HashHex(DigestFunction::kSha256, action)), "junk\xff"}).status, 400);
}

TEST_F(HttpTest, ReadinessFollowsTheRedisBackplane) {
  auto redis = kiln::testing::RedisServerProcess::Start();
  ASSERT_TRUE(redis.ok()) << redis.status().ToString();
  Start({"--backplane", "redis://127.0.0.1:" + std::to_string((*redis)->port()), "--workers", "0"});
  EXPECT_EQ(Fetch({"GET", Url(*server_, "/readyz")}).status, 200);
  // A Watch hears the change.
  auto stub = Health::NewStub(server_->NewChannel());
  grpc::ClientContext watch_context;
  watch_context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
  auto watch = stub->Watch(&watch_context, HealthCheckRequest());
  HealthCheckResponse seen;
  ASSERT_TRUE(watch->Read(&seen));
  EXPECT_EQ(seen.status(), HealthCheckResponse::SERVING);
  (*redis)->Stop();
  EXPECT_TRUE(kiln::Eventually([&] { return Fetch({"GET", Url(*server_, "/readyz")}).status == 503; },
                               std::chrono::seconds(10)));
  HttpReply not_ready = Fetch({"GET", Url(*server_, "/readyz")});
  EXPECT_NE(not_ready.body.find("redis backplane"), std::string::npos) << not_ready.body;
  EXPECT_EQ(Fetch({"GET", Url(*server_, "/healthz")}).status, 200);  // Alive all the same.
  ASSERT_TRUE(watch->Read(&seen));
  EXPECT_EQ(seen.status(), HealthCheckResponse::NOT_SERVING);
  watch_context.TryCancel();
  ASSERT_TRUE((*redis)->Restart().ok());
  EXPECT_TRUE(kiln::Eventually([&] { return Fetch({"GET", Url(*server_, "/readyz")}).status == 200; },
                               std::chrono::seconds(10)));
}

TEST_F(HttpTest, TlsAndTokensAsOverGrpc) {
  TempDir cert_dir;
  kiln::TestCertificates certs(cert_dir.path());
  ASSERT_TRUE(certs.ok());
  const auto server_cert = certs.IssueServer();
  const std::string auth_file = cert_dir.path() + "/auth.json";
  std::ofstream(auth_file) << R"({"principals": [)"
                           << R"({"name": "reader", "token_sha256": [")"
                           << kiln::TokenDigestHex(kiln::Sha256Token("read-token"))
                           << R"("], "grants": [{"permissions": ["cas-read"]}]},)"
                           << R"({"name": "writer", "token_sha256": [")"
                           << kiln::TokenDigestHex(kiln::Sha256Token("write-token"))
                           << R"("], "grants": [{"permissions": ["cas-read", "cas-write"]}]}]})";
  std::string error;
  server_ = KilnProcess::StartWithoutChannel(
      dir_.path(), {"--tls-cert", server_cert.cert, "--tls-key", server_cert.key, "--auth-file", auth_file}, &error);
  ASSERT_TRUE(server_) << error;
  const std::string base = "https://127.0.0.1:" + std::to_string(server_->http_port());
  const std::string blob = "secret blob";
  const std::string path = "/cas/" + HashHex(DigestFunction::kSha256, blob);
  EXPECT_EQ(Fetch({"GET", base + "/healthz", "", {}, certs.ca()}).status, 200);  // Public.
  EXPECT_EQ(Fetch({"PUT", base + path, blob, {}, certs.ca()}).status, 401);
  EXPECT_EQ(Fetch({"PUT", base + path, blob, {"Authorization: Bearer wrong"}, certs.ca()}).status, 401);
  EXPECT_EQ(Fetch({"PUT", base + path, blob, {"Authorization: Bearer read-token"}, certs.ca()}).status, 403);
  EXPECT_EQ(Fetch({"PUT", base + path, blob, {"Authorization: Bearer write-token"}, certs.ca()}).status, 200);
  HttpReply read = Fetch({"GET", base + path, "", {"Authorization: Bearer read-token"}, certs.ca()});
  EXPECT_EQ(read.status, 200);
  EXPECT_EQ(read.body, blob);
  // Plaintext is not spoken on a TLS port.
  EXPECT_NE(Fetch({"GET", "http://127.0.0.1:" + std::to_string(server_->http_port()) + "/healthz"}).status, 200);
}

// Mutual TLS on the HTTP port, as on gRPC: with --tls-client-auth=require a client needs a
// certificate from --tls-client-ca, and a verified certificate's name authenticates as the
// principal that lists it; with =optional a client without one is anonymous.
TEST_F(HttpTest, ClientCertificatesAuthenticateAsOverGrpc) {
  TempDir cert_dir;
  kiln::TestCertificates certs(cert_dir.path());
  ASSERT_TRUE(certs.ok());
  const auto server_cert = certs.IssueServer();
  const auto builder = certs.Issue("builder", "builder-1", "DNS:builder-1.example");
  const auto reader = certs.Issue("reader", "reader-1", "DNS:reader-1.example");
  const auto mallory = certs.Issue("mallory", "mallory", "DNS:mallory.example", /*untrusted=*/true);
  const std::string auth_file = cert_dir.path() + "/auth.json";
  std::ofstream(auth_file) << R"({"principals": [
      {"name": "builder", "certificate_names": ["builder-1.example"],
       "grants": [{"permissions": ["cas-read", "cas-write"]}]},
      {"name": "reader", "certificate_names": ["reader-1.example"], "grants": [{"permissions": ["cas-read"]}]}]})";
  const std::string blob = "written over mutual TLS";
  const std::string path = "/cas/" + HashHex(DigestFunction::kSha256, blob);
  auto call = [&](const std::string& method, const std::string& url_path, const kiln::TestCertificates::Leaf& client) {
    return Fetch({method, "https://127.0.0.1:" + std::to_string(server_->http_port()) + url_path,
                  method == "PUT" ? blob : "", {}, certs.ca(), client.cert, client.key});
  };
  for (const std::string mode : {"require", "optional"}) {
    SCOPED_TRACE(mode);
    TempDir data_dir;
    std::string error;
    server_ = KilnProcess::StartWithoutChannel(
        data_dir.path(),
        {"--tls-cert", server_cert.cert, "--tls-key", server_cert.key, "--tls-client-ca", certs.ca(),
         "--tls-client-auth=" + mode, "--auth-file", auth_file},
        &error);
    ASSERT_TRUE(server_) << error;
    // A certificate from another CA never gets an answer: the handshake fails (status 0).
    EXPECT_EQ(call("GET", "/healthz", mallory).status, 0);
    // Without a certificate: no handshake when one is required; anonymous (who has no
    // grants here) when it is optional.
    EXPECT_EQ(call("GET", "/healthz", {}).status, mode == "require" ? 0 : 200);
    EXPECT_EQ(call("PUT", path, {}).status, mode == "require" ? 0 : 401);
    // The certificate's name is the principal, with that principal's grants.
    EXPECT_EQ(call("PUT", path, reader).status, 403);
    EXPECT_EQ(call("PUT", path, builder).status, 200);
    HttpReply read = call("GET", path, reader);
    EXPECT_EQ(read.status, 200);
    EXPECT_EQ(read.body, blob);
    server_.reset();
  }
}

}  // namespace
}  // namespace kiln_test
