// TLS on kiln's gRPC listener: which files hold the server's certificate and key and the CA
// that client certificates must chain to, checked at start (common/pem_files.h) and turned
// into gRPC's own TLS credentials. gRPC re-reads the files every `reload_interval` and uses
// what it finds for new connections, so certificates are rotated by replacing the files (by
// rename, so that no half-written file is ever read); open connections are not dropped and
// no restart or signal is needed. Key and certificate must be replaced at once (one file
// holding both, given as both paths, or a directory swapped by symlink): gRPC 1.51 refuses
// new connections while it holds a key and a certificate that do not match.
#pragma once

#include <memory>
#include <string>

#include "common/clock.h"
#include "common/status.h"

namespace grpc {
class ServerCredentials;
}  // namespace grpc

namespace kiln {

enum class ClientCertificates {
  kNotRequested,  // No client CA: clients are not asked for a certificate.
  kOptional,      // Asked for; a client without one is let in, one with an untrusted one is not.
  kRequired,      // Connections without a certificate from the client CA are refused.
};

struct ServerTlsOptions {
  std::string cert_file;       // PEM chain, the server's own certificate first. Empty: plaintext.
  std::string key_file;        // Its PEM private key, unencrypted.
  std::string client_ca_file;  // PEM bundle client certificates must chain to. Empty: none asked for.
  ClientCertificates client_certificates = ClientCertificates::kNotRequested;
  // How often gRPC looks at the files for changes (it takes whole seconds, at least one).
  Duration reload_interval = std::chrono::seconds(10);

  bool enabled() const { return !cert_file.empty(); }
};

// Consistency of the options (a key with the certificate, a client CA with client
// certificates asked for, and the reverse) and the files' contents: INVALID_ARGUMENT
// naming the file and what is wrong.
Status CheckServerTlsOptions(const ServerTlsOptions& options);

// Plaintext credentials when TLS is not enabled; else TLS credentials watching the files.
// Checks the options first (CheckServerTlsOptions).
StatusOr<std::shared_ptr<grpc::ServerCredentials>> NewServerCredentials(const ServerTlsOptions& options);

// "plaintext", "TLS", "TLS, client certificates required", ...: for the serving line.
std::string DescribeServerTls(const ServerTlsOptions& options);

}  // namespace kiln
