#include "client/client_channel.h"

#include <grpcpp/security/credentials.h>
#include <grpcpp/security/tls_certificate_provider.h>
#include <grpcpp/security/tls_credentials_options.h>

#include <iostream>

#include "client/bearer_token_interceptor.h"

namespace kiln {
namespace {

// How often gRPC re-reads the TLS files of a client.
constexpr unsigned kTlsReloadSeconds = 10;

std::shared_ptr<grpc::ChannelCredentials> TlsCredentials(const ClientConnectionOptions& options) {
  grpc::experimental::TlsChannelCredentialsOptions tls;
  const bool client_cert = !options.tls_cert_file.empty();
  if (client_cert || !options.tls_ca_file.empty()) {
    tls.set_certificate_provider(std::make_shared<grpc::experimental::FileWatcherCertificateProvider>(
        options.tls_key_file, options.tls_cert_file, options.tls_ca_file, kTlsReloadSeconds));
  }
  // Roots not watched: gRPC verifies the server against its default roots. The server's
  // name is checked against the target's host either way.
  if (!options.tls_ca_file.empty()) tls.watch_root_certs();
  if (client_cert) tls.watch_identity_key_cert_pairs();
  return grpc::experimental::TlsCredentials(tls);
}

// Whether a plaintext address stays on this host, where a token sent in the clear is not
// exposed to the network.
bool IsLocal(const std::string& address) {
  return address.starts_with("127.") || address.starts_with("localhost:") || address.starts_with("[::1]:") ||
         address.starts_with("unix:") || address.starts_with("ipv4:127.");
}

}  // namespace

StatusOr<std::shared_ptr<const ClientChannelFactory>> ClientChannelFactory::Create(const ClientConnectionOptions& options) {
  KILN_RETURN_IF_ERROR(CheckClientConnectionOptions(options));
  std::shared_ptr<ClientChannelFactory> factory(new ClientChannelFactory());
  factory->options_ = options;
  factory->parsed_ = *ParseClientTarget(options.target);
  factory->credentials_ = factory->parsed_.tls ? TlsCredentials(options) : grpc::InsecureChannelCredentials();
  if (!options.token_file.empty()) {
    auto token = BearerTokenFile::Open(options.token_file);
    if (!token.ok()) return token.status().WithContext("--token-file");
    factory->token_ = std::move(token).value();
    if (!factory->parsed_.tls && !IsLocal(factory->parsed_.address)) {
      std::cerr << "kiln: warning: sending a bearer token in plaintext to " << options.target
                << "; use grpcs:// for anything beyond this host\n";
    }
  }
  return std::shared_ptr<const ClientChannelFactory>(std::move(factory));
}

std::shared_ptr<grpc::Channel> ClientChannelFactory::NewChannel(const grpc::ChannelArguments& args) const {
  if (!token_) return grpc::CreateCustomChannel(parsed_.address, credentials_, args);
  std::vector<std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>> interceptors;
  interceptors.push_back(NewBearerTokenInterceptorFactory(token_));
  return grpc::experimental::CreateCustomChannelWithInterceptors(parsed_.address, credentials_, args,
                                                                 std::move(interceptors));
}

}  // namespace kiln
