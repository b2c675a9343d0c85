// Client certificates as credentials: with mutual TLS and an auth file, a verified
// certificate whose name a principal lists authenticates as that principal, and gets that
// principal's grants; a client without a certificate is anonymous.
#include <fstream>

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

}  // namespace
}  // namespace kiln_test
