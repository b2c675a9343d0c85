#include "cli/server_tls_flags.h"

#include <gtest/gtest.h>

#include "cli/serve_command.h"
#include "testing/temp_dir.h"
#include "testing/test_certificates.h"

namespace kiln {
namespace {

class ServerTlsFlagsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(certs_.ok()) << "openssl failed";
    server_ = certs_.IssueServer();
  }

  std::string ErrorOf(const ServerTlsFlags& flags) {
    auto resolved = ResolveServerTlsFlags(flags);
    EXPECT_FALSE(resolved.ok());
    return resolved.status().message();
  }

  TempDir dir_;
  TestCertificates certs_{dir_.path()};
  TestCertificates::Leaf server_;
};

TEST_F(ServerTlsFlagsTest, ClientCertificatesAreRequiredUnlessOptional) {
  auto plaintext = ResolveServerTlsFlags({});
  ASSERT_TRUE(plaintext.ok());
  EXPECT_FALSE(plaintext->enabled());
  auto tls = ResolveServerTlsFlags({.cert_file = server_.cert, .key_file = server_.key});
  ASSERT_TRUE(tls.ok()) << tls.status().ToString();
  EXPECT_EQ(tls->client_certificates, ClientCertificates::kNotRequested);
  auto required = ResolveServerTlsFlags({.cert_file = server_.cert, .key_file = server_.key, .client_ca_file = certs_.ca()});
  ASSERT_TRUE(required.ok());
  EXPECT_EQ(required->client_certificates, ClientCertificates::kRequired);
  auto optional = ResolveServerTlsFlags(
      {.cert_file = server_.cert, .key_file = server_.key, .client_ca_file = certs_.ca(), .client_auth = "optional"});
  ASSERT_TRUE(optional.ok());
  EXPECT_EQ(optional->client_certificates, ClientCertificates::kOptional);
}

TEST_F(ServerTlsFlagsTest, InconsistentFlagsAreRefused) {
  EXPECT_EQ(ErrorOf({.cert_file = server_.cert, .key_file = server_.key, .client_auth = "require"}),
            "--tls-client-auth needs --tls-client-ca");
  EXPECT_NE(ErrorOf({.cert_file = server_.cert, .key_file = server_.key, .client_ca_file = certs_.ca(), .client_auth = "maybe"})
                .find("\"require\" or \"optional\""),
            std::string::npos);
  EXPECT_EQ(ErrorOf({.cert_file = server_.cert}), "--tls-cert needs --tls-key");
  EXPECT_EQ(ErrorOf({.key_file = server_.key}), "--tls-key needs --tls-cert");
  EXPECT_EQ(ErrorOf({.client_ca_file = certs_.ca()}), "--tls-client-ca needs --tls-cert and --tls-key");
  EXPECT_NE(ErrorOf({.cert_file = server_.cert, .key_file = server_.key, .reload_interval = std::chrono::milliseconds(500)})
                .find("at least 1s"),
            std::string::npos);
}

TEST_F(ServerTlsFlagsTest, BadFilesAreNamed) {
  TestCertificates::Leaf other = certs_.IssueServer("other");
  std::string message = ErrorOf({.cert_file = server_.cert, .key_file = other.key});
  EXPECT_NE(message.find(other.key + ": the private key does not belong to the certificate in " + server_.cert),
            std::string::npos)
      << message;
  message = ErrorOf({.cert_file = server_.cert, .key_file = server_.key, .client_ca_file = server_.key});
  EXPECT_NE(message.find("--tls-client-ca: " + server_.key + ": no PEM certificate"), std::string::npos) << message;
}

TEST_F(ServerTlsFlagsTest, ServeRefusesThemAsUsageErrors) {
  ::testing::internal::CaptureStderr();
  EXPECT_EQ(RunServeCommand({"--listen", "127.0.0.1:0", "--data-dir", dir_.path() + "/data", "--tls-cert", server_.cert,
                             "--tls-key", dir_.path() + "/missing.key"}),
            2);
  const std::string error = ::testing::internal::GetCapturedStderr();
  EXPECT_NE(error.find("kiln serve: --tls-cert/--tls-key: " + dir_.path() + "/missing.key: cannot open"), std::string::npos)
      << error;
}

}  // namespace
}  // namespace kiln
