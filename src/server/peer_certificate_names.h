// The names in a call's verified client certificate (mutual TLS, server_tls.h), for the
// authentication layer to turn into a principal. gRPC has already checked the certificate
// against --tls-client-ca by the time a call arrives; this only reads what the handshake
// put into the call's auth context.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace grpc {
class ServerContextBase;
}  // namespace grpc

namespace kiln {

struct PeerCertificateNames {
  std::string common_name;             // Subject CN; empty if the subject has none.
  std::vector<std::string> dns_names;  // subjectAltName DNS entries, in certificate order.
  std::vector<std::string> uris;       // subjectAltName URI entries (e.g. spiffe://...).

  // The common name (if any), then the DNS names, then the URIs.
  std::vector<std::string> All() const;
};

// The names of the client certificate the call's connection was verified with; nullopt on
// a plaintext connection or a TLS one without a client certificate (--tls-client-auth=optional).
std::optional<PeerCertificateNames> VerifiedPeerCertificateNames(const grpc::ServerContextBase& context);

}  // namespace kiln
