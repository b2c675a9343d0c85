// Channels made by ClientChannelFactory against an in-process server: plaintext and TLS by
// the target's scheme, the server's certificate checked, and the bearer token arriving as
// "authorization" metadata on both.
#include "client/client_channel.h"

#include <gtest/gtest.h>

#include <fstream>

#include "server/server_tls.h"
#include "testing/echo_server.h"
#include "testing/temp_dir.h"
#include "testing/test_certificates.h"

namespace kiln {
namespace {

using testing::EchoServer;

class ClientChannelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(certs_.ok()) << "openssl failed";
    server_cert_ = certs_.IssueServer();
    std::ofstream(token_path_) << "tok-123\n";
  }

  std::shared_ptr<const ClientChannelFactory> Factory(const ClientConnectionOptions& options) {
    auto factory = ClientChannelFactory::Create(options);
    EXPECT_TRUE(factory.ok()) << factory.status().ToString();
    return factory.ok() ? *factory : nullptr;
  }

  std::unique_ptr<EchoServer> TlsServer() {
    ServerTlsOptions tls{.cert_file = server_cert_.cert, .key_file = server_cert_.key};
    auto credentials = NewServerCredentials(tls);
    EXPECT_TRUE(credentials.ok()) << credentials.status().ToString();
    return std::make_unique<EchoServer>(*credentials);
  }

  TempDir dir_;
  TestCertificates certs_{dir_.path()};
  TestCertificates::Leaf server_cert_;
  const std::string token_path_ = dir_.path() + "/token";
};

TEST_F(ClientChannelTest, PlaintextCallsCarryTheToken) {
  EchoServer server(grpc::InsecureServerCredentials());
  ASSERT_TRUE(server.started());
  auto factory = Factory({.target = server.address(), .token_file = token_path_});
  ASSERT_TRUE(factory);
  grpc::Status status = EchoServer::Call(factory->NewChannel());
  ASSERT_TRUE(status.ok()) << status.error_message();
  status = EchoServer::Call(factory->NewChannel());  // A second channel from the same factory.
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(server.calls().size(), 2u);
  for (const auto& call : server.calls()) EXPECT_EQ(call.authorization, "Bearer tok-123");
  // Without a token file, no authorization header at all.
  ASSERT_TRUE(EchoServer::Call(Factory({.target = "grpc://" + server.address()})->NewChannel()).ok());
  EXPECT_EQ(server.calls().back().authorization, "");
}

TEST_F(ClientChannelTest, TlsCallsVerifyTheServerAndCarryTheToken) {
  auto server = TlsServer();
  ASSERT_TRUE(server->started());
  auto factory = Factory({.target = "grpcs://" + server->address(), .tls_ca_file = certs_.ca(), .token_file = token_path_});
  grpc::Status status = EchoServer::Call(factory->NewChannel());
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(server->calls().size(), 1u);
  EXPECT_EQ(server->calls()[0].authorization, "Bearer tok-123");
  EXPECT_FALSE(server->calls()[0].peer) << "no client certificate was sent";
}

TEST_F(ClientChannelTest, TlsRefusesServersItCannotVerify) {
  auto server = TlsServer();
  ASSERT_TRUE(server->started());
  // Default roots do not hold the test CA; another CA does not either.
  EXPECT_FALSE(EchoServer::Call(Factory({.target = "grpcs://" + server->address()})->NewChannel()).ok());
  EXPECT_FALSE(EchoServer::Call(Factory({.target = "grpcs://" + server->address(), .tls_ca_file = certs_.untrusted_ca()})
                                    ->NewChannel())
                   .ok());
  // The right CA, but a certificate for another name than the target's host.
  TestCertificates::Leaf other = certs_.Issue("other", "other", "DNS:other.example");
  auto credentials = NewServerCredentials({.cert_file = other.cert, .key_file = other.key});
  ASSERT_TRUE(credentials.ok());
  EchoServer misnamed(*credentials);
  ASSERT_TRUE(misnamed.started());
  EXPECT_FALSE(
      EchoServer::Call(Factory({.target = "grpcs://" + misnamed.address(), .tls_ca_file = certs_.ca()})->NewChannel()).ok());
  EXPECT_TRUE(server->calls().empty());
  EXPECT_TRUE(misnamed.calls().empty());
}

TEST_F(ClientChannelTest, PlaintextClientsCannotTalkToATlsServer) {
  auto server = TlsServer();
  ASSERT_TRUE(server->started());
  EXPECT_FALSE(EchoServer::Call(Factory({.target = server->address()})->NewChannel()).ok());
  EXPECT_TRUE(server->calls().empty());
}

TEST_F(ClientChannelTest, CreateRefusesBadOptions) {
  EXPECT_FALSE(ClientChannelFactory::Create({.target = ""}).ok());
  EXPECT_FALSE(ClientChannelFactory::Create({.target = "grpcs://localhost:1", .tls_cert_file = server_cert_.cert}).ok());
  auto missing_token = ClientChannelFactory::Create({.target = "127.0.0.1:1", .token_file = dir_.path() + "/none"});
  EXPECT_NE(missing_token.status().message().find("--token-file"), std::string::npos);
}

}  // namespace
}  // namespace kiln
