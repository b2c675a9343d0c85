// For the TLS integration tests: certificates made with `openssl` in a temp directory (a
// CA, a server certificate for 127.0.0.1/localhost, a client certificate from the CA and one
// from an untrusted CA), a `kiln serve` started with them, and clients reaching it through
// kiln's own client channels (client/client_channel.h).
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "client/client_channel.h"
#include "kiln_process.h"
#include "testing/test_certificates.h"

namespace kiln_test {

using kiln::ClientConnectionOptions;
using kiln::TestCertificates;

// What one GetCapabilities call saw.
struct CapabilitiesCall {
  grpc::Status status;
  std::string server_common_name;  // CN of the server certificate of the call's connection.
};

class TlsTest : public ::testing::Test {
 protected:
  void SetUp() override;

  // Starts `kiln serve` with the server certificate (files live.crt / live.key, so that a
  // test can replace them) and `extra_flags`; fails the test if it does not start.
  void StartServer(const std::vector<std::string>& extra_flags);
  // Flags requiring (or, if `optional`, accepting) client certificates from the CA.
  std::vector<std::string> ClientCaFlags(bool optional = false) const;

  // "grpcs://127.0.0.1:PORT".
  std::string TlsTarget() const { return "grpcs://" + server_->address(); }
  // Connection options trusting the CA, with the client certificate `client` (none if empty).
  ClientConnectionOptions Options(const TestCertificates::Leaf& client = {}) const;
  // A new channel (its own connection) made by kiln's client channel factory.
  std::shared_ptr<grpc::Channel> Channel(const ClientConnectionOptions& options) const;
  // One GetCapabilities call (5 s deadline, failing fast if no connection can be made).
  static CapabilitiesCall GetCapabilities(const std::shared_ptr<grpc::Channel>& channel);

  TempDir dir_;
  TempDir data_dir_;
  TestCertificates certs_{dir_.path()};
  TestCertificates::Leaf server_cert_, client_, untrusted_client_;
  std::string live_cert_, live_key_;  // What the server was started with.
  std::string token_file_;            // Holds a token, mode 0600.
  std::unique_ptr<KilnProcess> server_;
};

}  // namespace kiln_test
