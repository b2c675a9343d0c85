// The names of a call's client certificate, read from a real TLS handshake with an
// in-process server (optional and required client certificates).
#include "server/peer_certificate_names.h"

#include <gtest/gtest.h>

#include "client/client_channel.h"
#include "server/server_tls.h"
#include "testing/echo_server.h"
#include "testing/temp_dir.h"
#include "testing/test_certificates.h"

namespace kiln {
namespace {

using testing::EchoServer;

class PeerCertificateNamesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(certs_.ok()) << "openssl failed";
    server_cert_ = certs_.IssueServer();
    client_ = certs_.Issue("client", "worker-1",
                           "DNS:worker-1.example,DNS:w1.example,URI:spiffe://kiln/worker/1,email:ops@example.com,"
                           "IP:10.0.0.1");
    untrusted_ = certs_.Issue("mallory", "mallory", "DNS:mallory.example", /*untrusted=*/true);
  }

  std::unique_ptr<EchoServer> Server(ClientCertificates mode) {
    auto credentials = NewServerCredentials({.cert_file = server_cert_.cert,
                                             .key_file = server_cert_.key,
                                             .client_ca_file = certs_.ca(),
                                             .client_certificates = mode});
    EXPECT_TRUE(credentials.ok()) << credentials.status().ToString();
    auto server = std::make_unique<EchoServer>(*credentials);
    EXPECT_TRUE(server->started());
    return server;
  }

  grpc::Status CallWith(const EchoServer& server, const TestCertificates::Leaf& client) {
    auto factory = ClientChannelFactory::Create({.target = "grpcs://" + server.address(),
                                                 .tls_ca_file = certs_.ca(),
                                                 .tls_cert_file = client.cert,
                                                 .tls_key_file = client.key});
    EXPECT_TRUE(factory.ok()) << factory.status().ToString();
    return EchoServer::Call((*factory)->NewChannel());
  }

  TempDir dir_;
  TestCertificates certs_{dir_.path()};
  TestCertificates::Leaf server_cert_, client_, untrusted_;
};

TEST_F(PeerCertificateNamesTest, ReportsTheCommonNameAndDnsAndUriNames) {
  auto server = Server(ClientCertificates::kOptional);
  grpc::Status status = CallWith(*server, client_);
  ASSERT_TRUE(status.ok()) << status.error_message();
  const std::vector<testing::RecordedCall> calls = server->calls();
  ASSERT_EQ(calls.size(), 1u);
  const std::optional<PeerCertificateNames>& names = calls[0].peer;
  ASSERT_TRUE(names);
  EXPECT_EQ(names->common_name, "worker-1");
  EXPECT_EQ(names->dns_names, (std::vector<std::string>{"worker-1.example", "w1.example"}));
  EXPECT_EQ(names->uris, (std::vector<std::string>{"spiffe://kiln/worker/1"}));
  EXPECT_EQ(names->All(), (std::vector<std::string>{"worker-1", "worker-1.example", "w1.example", "spiffe://kiln/worker/1"}));
}

TEST_F(PeerCertificateNamesTest, OptionalLetsClientsWithoutACertificateInWithNoNames) {
  auto server = Server(ClientCertificates::kOptional);
  grpc::Status status = CallWith(*server, {});
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(server->calls().size(), 1u);
  EXPECT_FALSE(server->calls()[0].peer);
  // A certificate that is sent must still be trusted.
  EXPECT_FALSE(CallWith(*server, untrusted_).ok());
  EXPECT_EQ(server->calls().size(), 1u);
}

TEST_F(PeerCertificateNamesTest, RequiredRefusesMissingAndUntrustedCertificates) {
  auto server = Server(ClientCertificates::kRequired);
  EXPECT_FALSE(CallWith(*server, {}).ok());
  EXPECT_FALSE(CallWith(*server, untrusted_).ok());
  EXPECT_TRUE(server->calls().empty());
  ASSERT_TRUE(CallWith(*server, client_).ok());
  ASSERT_EQ(server->calls().size(), 1u);
  EXPECT_EQ(server->calls()[0].peer->common_name, "worker-1");
}

TEST_F(PeerCertificateNamesTest, NoNamesOnPlaintext) {
  EchoServer server(grpc::InsecureServerCredentials());
  ASSERT_TRUE(EchoServer::Call(grpc::CreateChannel(server.address(), grpc::InsecureChannelCredentials())).ok());
  ASSERT_EQ(server.calls().size(), 1u);
  EXPECT_FALSE(server.calls()[0].peer);
}

}  // namespace
}  // namespace kiln
