#include "tls_fixture.h"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "build/bazel/remote/execution/v2/remote_execution.grpc.pb.h"

namespace kiln_test {

void TlsTest::SetUp() {
  ASSERT_TRUE(certs_.ok()) << "openssl failed";
  server_cert_ = certs_.IssueServer();
  client_ = certs_.Issue("client", "worker-1", "DNS:worker-1.example,URI:spiffe://kiln/worker/1");
  untrusted_client_ = certs_.Issue("mallory", "mallory", "DNS:mallory.example", /*untrusted=*/true);
  ASSERT_FALSE(server_cert_.cert.empty() || client_.cert.empty() || untrusted_client_.cert.empty());
  live_cert_ = dir_.path() + "/live.crt";
  live_key_ = dir_.path() + "/live.key";
  std::filesystem::copy_file(server_cert_.cert, live_cert_);
  std::filesystem::copy_file(server_cert_.key, live_key_);
  token_file_ = dir_.path() + "/token";
  std::ofstream(token_file_) << "test-token\n";
  ::chmod(token_file_.c_str(), 0600);
}

void TlsTest::StartServer(const std::vector<std::string>& extra_flags) {
  std::vector<std::string> flags = {"--tls-cert", live_cert_, "--tls-key", live_key_};
  flags.insert(flags.end(), extra_flags.begin(), extra_flags.end());
  std::string error;
  server_ = KilnProcess::StartWithoutChannel(data_dir_.path(), flags, &error);
  ASSERT_TRUE(server_) << error;
}

std::vector<std::string> TlsTest::ClientCaFlags(bool optional) const {
  std::vector<std::string> flags = {"--tls-client-ca", certs_.ca()};
  if (optional) flags.insert(flags.end(), {"--tls-client-auth", "optional"});
  return flags;
}

ClientConnectionOptions TlsTest::Options(const TestCertificates::Leaf& client) const {
  return {.target = TlsTarget(), .tls_ca_file = certs_.ca(), .tls_cert_file = client.cert, .tls_key_file = client.key};
}

std::shared_ptr<grpc::Channel> TlsTest::Channel(const ClientConnectionOptions& options) const {
  auto factory = kiln::ClientChannelFactory::Create(options);
  EXPECT_TRUE(factory.ok()) << factory.status().ToString();
  if (!factory.ok()) return nullptr;
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  return (*factory)->NewChannel(args);
}

CapabilitiesCall TlsTest::GetCapabilities(const std::shared_ptr<grpc::Channel>& channel) {
  CapabilitiesCall call;
  if (!channel) {
    call.status = grpc::Status(grpc::StatusCode::INTERNAL, "no channel");
    return call;
  }
  auto stub = build::bazel::remote::execution::v2::Capabilities::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  build::bazel::remote::execution::v2::GetCapabilitiesRequest request;
  build::bazel::remote::execution::v2::ServerCapabilities response;
  call.status = stub->GetCapabilities(&context, request, &response);
  if (auto auth = context.auth_context()) {
    for (const grpc::string_ref& value : auth->FindPropertyValues("x509_common_name")) {
      call.server_common_name.assign(value.data(), value.size());
    }
  }
  return call;
}

}  // namespace kiln_test
