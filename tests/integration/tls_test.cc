// `kiln serve` with TLS: plaintext clients are refused, clients trusting the CA are served,
// client certificates are required or optional as asked, bad certificate files stop the
// server at start with a message naming the file, and certificates replaced by rename are
// picked up by new connections while open connections keep working.
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

#include "test_util.h"
#include "tls_fixture.h"

namespace kiln_test {
namespace {

TEST_F(TlsTest, ClientsTrustingTheCaAreServedAndPlaintextClientsAreNot) {
  StartServer({});
  EXPECT_NE(server_->stdout_text().find("(TLS, data in"), std::string::npos) << server_->stdout_text();
  CapabilitiesCall call = GetCapabilities(Channel(Options()));
  ASSERT_TRUE(call.status.ok()) << Describe(call.status);
  EXPECT_EQ(call.server_common_name, "kiln test server");
  // The same server, reached by its DNS name.
  ClientConnectionOptions by_name = Options();
  by_name.target = "grpcs://localhost:" + std::to_string(server_->port());
  EXPECT_TRUE(GetCapabilities(Channel(by_name)).status.ok());

  for (const std::string target : {server_->address(), "grpc://" + server_->address()}) {
    EXPECT_EQ(GetCapabilities(Channel({.target = target})).status.error_code(), grpc::StatusCode::UNAVAILABLE) << target;
  }
  ClientConnectionOptions untrusting = Options();
  untrusting.tls_ca_file = certs_.untrusted_ca();
  EXPECT_EQ(GetCapabilities(Channel(untrusting)).status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_TRUE(server_->running());
}

TEST_F(TlsTest, RequiredClientCertificatesMustComeFromTheClientCa) {
  StartServer(ClientCaFlags());
  EXPECT_NE(server_->stdout_text().find("client certificates required"), std::string::npos);
  EXPECT_EQ(GetCapabilities(Channel(Options())).status.error_code(), grpc::StatusCode::UNAVAILABLE)
      << "no client certificate";
  EXPECT_EQ(GetCapabilities(Channel(Options(untrusted_client_))).status.error_code(), grpc::StatusCode::UNAVAILABLE)
      << "a certificate from another CA";
  CapabilitiesCall call = GetCapabilities(Channel(Options(client_)));
  EXPECT_TRUE(call.status.ok()) << Describe(call.status);
}

TEST_F(TlsTest, OptionalClientCertificatesLetBothKindsOfClientIn) {
  StartServer(ClientCaFlags(/*optional=*/true));
  EXPECT_NE(server_->stdout_text().find("client certificates optional"), std::string::npos);
  EXPECT_TRUE(GetCapabilities(Channel(Options())).status.ok());
  EXPECT_TRUE(GetCapabilities(Channel(Options(client_))).status.ok());
  // A certificate that is sent must still be trusted.
  EXPECT_EQ(GetCapabilities(Channel(Options(untrusted_client_))).status.error_code(), grpc::StatusCode::UNAVAILABLE);
}

// kiln serve with `flags` must exit with `exit_code` before serving, saying `expected` on stderr.
void ExpectServeRefuses(const std::string& data_dir, const std::string& flags, int exit_code, const std::string& expected) {
  const std::string stderr_path = data_dir + ".stderr";
  const std::string command = "timeout -s KILL 20 " + std::string(KILN_BINARY) + " serve --listen 127.0.0.1:0 --http-listen 127.0.0.1:0 --data-dir " +
                              data_dir + " " + flags + " >/dev/null 2>" + stderr_path;
  const int status = std::system(command.c_str());
  ASSERT_TRUE(WIFEXITED(status)) << flags;
  EXPECT_EQ(WEXITSTATUS(status), exit_code) << flags << " (137: it served until killed)";
  const std::string text = TestCertificates::Read(stderr_path);
  EXPECT_NE(text.find(expected), std::string::npos) << flags << ": stderr was \"" << text << "\"";
}

TEST_F(TlsTest, BadCertificateFilesStopTheServerAtStart) {
  const std::string data = data_dir_.path() + "/data";
  TestCertificates::Leaf other = certs_.IssueServer("other");
  const std::string junk = dir_.path() + "/junk.pem";
  std::ofstream(junk) << "not a certificate\n";
  ExpectServeRefuses(data, "--tls-cert " + live_cert_ + " --tls-key " + dir_.path() + "/missing.key", 2,
                     "kiln serve: --tls-cert/--tls-key: " + dir_.path() + "/missing.key: cannot open: No such file");
  ExpectServeRefuses(data, "--tls-cert " + live_cert_ + " --tls-key " + other.key, 2,
                     other.key + ": the private key does not belong to the certificate in " + live_cert_);
  ExpectServeRefuses(data, "--tls-cert " + junk + " --tls-key " + live_key_, 2, junk + ": no PEM certificate");
  ExpectServeRefuses(data, "--tls-cert " + live_cert_ + " --tls-key " + live_key_ + " --tls-client-ca " + junk, 2,
                     "--tls-client-ca: " + junk + ": no PEM certificate");
  ExpectServeRefuses(data, "--tls-cert " + live_cert_ + " --tls-key " + live_key_ + " --tls-client-auth optional", 2,
                     "--tls-client-auth needs --tls-client-ca");
  EXPECT_FALSE(std::filesystem::exists(data)) << "nothing is opened before the TLS files are checked";
}

// Copies `from` next to `to` and renames it over `to`: an atomic replacement.
void ReplaceByRename(const std::string& from, const std::string& to) {
  const std::string temp = to + ".new";
  std::filesystem::copy_file(from, temp, std::filesystem::copy_options::overwrite_existing);
  ASSERT_EQ(std::rename(temp.c_str(), to.c_str()), 0);
}

TEST_F(TlsTest, RotatedCertificatesReachNewConnectionsWhileOpenOnesKeepWorking) {
  // Key and certificate in one file, given to both flags, so that one rename replaces the
  // pair at once: renamed separately, the pair would not match in between, and gRPC 1.51
  // refuses new connections until it does.
  const std::string pair = dir_.path() + "/pair.pem";
  std::ofstream(pair) << TestCertificates::Read(server_cert_.key) << TestCertificates::Read(server_cert_.cert);
  live_cert_ = live_key_ = pair;
  StartServer({"--tls-reload-interval", "1s"});
  const std::string old_serial = TestCertificates::Serial(server_cert_.cert);
  TestCertificates::Leaf rotated = certs_.IssueServer("rotated", "kiln rotated server");
  ASSERT_NE(TestCertificates::Serial(rotated.cert), old_serial);

  // A client on one connection, calling every 20 ms throughout.
  std::shared_ptr<grpc::Channel> kept = Channel(Options());
  ASSERT_TRUE(GetCapabilities(kept).status.ok());
  std::atomic<bool> stop{false};
  std::atomic<int> kept_calls{0}, kept_failures{0};
  std::string kept_first_failure, kept_names;
  std::thread caller([&] {
    while (!stop.load()) {
      CapabilitiesCall call = GetCapabilities(kept);
      ++kept_calls;
      if (!call.status.ok() && kept_failures++ == 0) kept_first_failure = Describe(call.status);
      if (call.server_common_name != "kiln test server") kept_names += call.server_common_name + ";";
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });

  const std::string rotated_pair = dir_.path() + "/rotated-pair.pem";
  std::ofstream(rotated_pair) << TestCertificates::Read(rotated.key) << TestCertificates::Read(rotated.cert);
  ReplaceByRename(rotated_pair, pair);
  const auto renamed = std::chrono::steady_clock::now();
  std::string seen;
  int new_connection_failures = 0;
  while (std::chrono::steady_clock::now() - renamed < std::chrono::seconds(10)) {
    CapabilitiesCall call = GetCapabilities(Channel(Options()));  // A new connection each time.
    if (!call.status.ok()) ++new_connection_failures;
    seen = call.server_common_name;
    if (seen == "kiln rotated server") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  const auto took = std::chrono::steady_clock::now() - renamed;
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // The kept connection goes on after the switch.
  stop = true;
  caller.join();

  EXPECT_EQ(seen, "kiln rotated server") << "new connections never saw the new certificate";
  EXPECT_EQ(new_connection_failures, 0);
  EXPECT_GT(kept_calls.load(), 10);
  EXPECT_EQ(kept_failures.load(), 0) << kept_first_failure;
  EXPECT_EQ(kept_names, "") << "the kept connection was re-established with another certificate";
  std::cerr << "new certificate seen by new connections " << std::chrono::duration_cast<std::chrono::milliseconds>(took).count()
            << " ms after the rename (reload interval 1 s); " << kept_calls.load() << " calls on the kept connection\n";
  EXPECT_TRUE(server_->running());
}

}  // namespace
}  // namespace kiln_test
