#include "server/server_tls.h"

#include <grpcpp/security/server_credentials.h>
#include <grpcpp/security/tls_certificate_provider.h>
#include <grpcpp/security/tls_credentials_options.h>

#include "common/pem_files.h"

namespace kiln {

Status CheckServerTlsOptions(const ServerTlsOptions& options) {
  if (!options.enabled()) {
    if (!options.key_file.empty()) return Status::InvalidArgument("--tls-key needs --tls-cert");
    if (!options.client_ca_file.empty()) return Status::InvalidArgument("--tls-client-ca needs --tls-cert and --tls-key");
    return Status::Ok();
  }
  if (options.key_file.empty()) return Status::InvalidArgument("--tls-cert needs --tls-key");
  if (options.client_ca_file.empty() != (options.client_certificates == ClientCertificates::kNotRequested)) {
    return Status::InvalidArgument("client certificates need a client CA (--tls-client-ca), and the reverse");
  }
  if (options.reload_interval < std::chrono::seconds(1)) {
    return Status::InvalidArgument("--tls-reload-interval must be at least 1s");
  }
  KILN_RETURN_IF_ERROR(CheckKeyPairFiles(options.cert_file, options.key_file).WithContext("--tls-cert/--tls-key"));
  if (!options.client_ca_file.empty()) {
    KILN_RETURN_IF_ERROR(CheckCertificateBundleFile(options.client_ca_file).WithContext("--tls-client-ca"));
  }
  return Status::Ok();
}

StatusOr<std::shared_ptr<grpc::ServerCredentials>> NewServerCredentials(const ServerTlsOptions& options) {
  KILN_RETURN_IF_ERROR(CheckServerTlsOptions(options));
  if (!options.enabled()) return grpc::InsecureServerCredentials();
  const auto seconds = std::chrono::ceil<std::chrono::seconds>(options.reload_interval).count();
  // One watcher for all three files. A key and certificate that do not match (a rotation
  // caught halfway) make gRPC refuse new connections until they do: see server_tls.h.
  auto provider = std::make_shared<grpc::experimental::FileWatcherCertificateProvider>(
      options.key_file, options.cert_file, options.client_ca_file, static_cast<unsigned>(seconds));
  grpc::experimental::TlsServerCredentialsOptions tls(provider);
  tls.watch_identity_key_cert_pairs();
  switch (options.client_certificates) {
    case ClientCertificates::kNotRequested:
      tls.set_cert_request_type(GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
      break;
    case ClientCertificates::kOptional:
      tls.watch_root_certs();
      tls.set_cert_request_type(GRPC_SSL_REQUEST_CLIENT_CERTIFICATE_AND_VERIFY);
      break;
    case ClientCertificates::kRequired:
      tls.watch_root_certs();
      tls.set_cert_request_type(GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
      break;
  }
  return grpc::experimental::TlsServerCredentials(tls);
}

std::string DescribeServerTls(const ServerTlsOptions& options) {
  if (!options.enabled()) return "plaintext";
  switch (options.client_certificates) {
    case ClientCertificates::kNotRequested: return "TLS";
    case ClientCertificates::kOptional: return "TLS, client certificates optional";
    case ClientCertificates::kRequired: return "TLS, client certificates required";
  }
  return "TLS";
}

}  // namespace kiln
