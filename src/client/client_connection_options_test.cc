#include "client/client_connection_options.h"

#include <gtest/gtest.h>

#include "testing/temp_dir.h"
#include "testing/test_certificates.h"

namespace kiln {
namespace {

TEST(ParseClientTargetTest, SchemesSayPlaintextOrTls) {
  auto tls = ParseClientTarget("grpcs://build.example:8980");
  ASSERT_TRUE(tls.ok());
  EXPECT_TRUE(tls->tls);
  EXPECT_EQ(tls->address, "build.example:8980");
  auto plain = ParseClientTarget("grpc://127.0.0.1:8980");
  ASSERT_TRUE(plain.ok());
  EXPECT_FALSE(plain->tls);
  EXPECT_EQ(plain->address, "127.0.0.1:8980");
  for (const char* bare : {"127.0.0.1:8980", "unix:/run/kiln.sock", "dns:///build.example:8980"}) {
    auto parsed = ParseClientTarget(bare);
    ASSERT_TRUE(parsed.ok()) << bare;
    EXPECT_FALSE(parsed->tls) << bare;
    EXPECT_EQ(parsed->address, bare);
  }
}

TEST(ParseClientTargetTest, RefusesEmptyTargetsAndHttpUrls) {
  for (const char* bad : {"", "grpcs://", "grpc://", "https://build.example:443", "http://127.0.0.1:80"}) {
    EXPECT_EQ(ParseClientTarget(bad).status().code(), StatusCode::kInvalidArgument) << bad;
  }
}

class ClientConnectionOptionsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(certs_.ok()) << "openssl failed";
    client_ = certs_.Issue("client", "worker-1", "DNS:worker-1.example");
  }

  std::string CheckMessage(const ClientConnectionOptions& options) {
    Status status = CheckClientConnectionOptions(options);
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
    return status.message();
  }

  TempDir dir_;
  TestCertificates certs_{dir_.path()};
  TestCertificates::Leaf client_;
};

TEST_F(ClientConnectionOptionsTest, AcceptsConsistentOptions) {
  EXPECT_TRUE(CheckClientConnectionOptions({.target = "127.0.0.1:1"}).ok());
  EXPECT_TRUE(CheckClientConnectionOptions({.target = "grpcs://localhost:1"}).ok());
  EXPECT_TRUE(CheckClientConnectionOptions({.target = "grpcs://localhost:1", .tls_ca_file = certs_.ca()}).ok());
  Status status = CheckClientConnectionOptions(
      {.target = "grpcs://localhost:1", .tls_ca_file = certs_.ca(), .tls_cert_file = client_.cert, .tls_key_file = client_.key});
  EXPECT_TRUE(status.ok()) << status.ToString();
  // A token goes over plaintext too (the server may be on loopback).
  EXPECT_TRUE(CheckClientConnectionOptions({.target = "127.0.0.1:1", .token_file = "/nonexistent"}).ok());
}

TEST_F(ClientConnectionOptionsTest, ACertificateNeedsItsKey) {
  EXPECT_NE(CheckMessage({.target = "grpcs://localhost:1", .tls_cert_file = client_.cert}).find("both --tls-cert and --tls-key"),
            std::string::npos);
  EXPECT_NE(CheckMessage({.target = "grpcs://localhost:1", .tls_key_file = client_.key}).find("both --tls-cert and --tls-key"),
            std::string::npos);
}

TEST_F(ClientConnectionOptionsTest, TlsFilesNeedATlsTarget) {
  for (const std::string target : {"127.0.0.1:1", "grpc://127.0.0.1:1"}) {
    const std::string message = CheckMessage({.target = target, .tls_ca_file = certs_.ca()});
    EXPECT_NE(message.find("grpcs://127.0.0.1:1"), std::string::npos) << message;
  }
  CheckMessage({.target = "127.0.0.1:1", .tls_cert_file = client_.cert, .tls_key_file = client_.key});
}

TEST_F(ClientConnectionOptionsTest, NamesTheBadFile) {
  const std::string missing = dir_.path() + "/missing.pem";
  std::string message = CheckMessage({.target = "grpcs://localhost:1", .tls_ca_file = missing});
  EXPECT_NE(message.find("--tls-ca: " + missing + ": cannot open"), std::string::npos) << message;
  TestCertificates::Leaf other = certs_.Issue("other", "other", "DNS:other.example");
  message = CheckMessage({.target = "grpcs://localhost:1", .tls_cert_file = client_.cert, .tls_key_file = other.key});
  EXPECT_NE(message.find("does not belong to the certificate"), std::string::npos) << message;
}

TEST(SplitClientTargetListTest, SplitsAtCommasAndChecksEachTarget) {
  EXPECT_EQ(*SplitClientTargetList("127.0.0.1:8980"), std::vector<std::string>{"127.0.0.1:8980"});
  EXPECT_EQ(*SplitClientTargetList("grpcs://a:1,grpc://b:2,c:3,unix:/run/kiln.sock"),
            (std::vector<std::string>{"grpcs://a:1", "grpc://b:2", "c:3", "unix:/run/kiln.sock"}));
  for (const char* bad : {"", ",", "a:1,", ",a:1", "a:1,,b:2", "a:1,grpcs://", "a:1,https://b:2", "a:1,b:2,a:1"}) {
    auto split = SplitClientTargetList(bad);
    ASSERT_FALSE(split.ok()) << bad;
    EXPECT_EQ(split.status().code(), StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_EQ(SplitClientTargetList("a:1,b:2,a:1").status().message(), "target \"a:1\" is listed twice");
  EXPECT_EQ(SplitClientTargetList("a:1,,b:2").status().message(), "empty target in the list \"a:1,,b:2\"");
}

TEST(ClientConnectionFlagArgsTest, GivesTheSetFlagsOnly) {
  EXPECT_TRUE(ClientConnectionFlagArgs({.target = "grpcs://h:1"}).empty());
  EXPECT_EQ(ClientConnectionFlagArgs(
                {.target = "grpcs://h:1", .tls_ca_file = "ca.pem", .tls_cert_file = "c.pem", .tls_key_file = "k.pem",
                 .token_file = "t"}),
            (std::vector<std::string>{"--tls-ca", "ca.pem", "--tls-cert", "c.pem", "--tls-key", "k.pem", "--token-file", "t"}));
}

}  // namespace
}  // namespace kiln
