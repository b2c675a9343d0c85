#include "server/peer_certificate_names.h"

#include <grpc/grpc_security_constants.h>
#include <grpcpp/security/auth_context.h>
#include <grpcpp/server_context.h>

namespace kiln {

std::vector<std::string> PeerCertificateNames::All() const {
  std::vector<std::string> all;
  if (!common_name.empty()) all.push_back(common_name);
  all.insert(all.end(), dns_names.begin(), dns_names.end());
  all.insert(all.end(), uris.begin(), uris.end());
  return all;
}

std::optional<PeerCertificateNames> VerifiedPeerCertificateNames(const grpc::ServerContextBase& context) {
  const std::shared_ptr<const grpc::AuthContext> auth = context.auth_context();
  // gRPC marks a TLS peer authenticated only once it has presented a certificate that
  // verified against the client CA.
  if (!auth || !auth->IsPeerAuthenticated()) return std::nullopt;
  // gRPC 1.51's TLS handshake records the CN and each SAN by kind (besides all SANs
  // together as x509_subject_alternative_name, which mixes in e-mail and IP entries).
  const auto values = [&auth](const char* property) {
    std::vector<std::string> out;
    for (const grpc::string_ref& value : auth->FindPropertyValues(property)) out.emplace_back(value.data(), value.size());
    return out;
  };
  PeerCertificateNames names;
  if (std::vector<std::string> cn = values(GRPC_X509_CN_PROPERTY_NAME); !cn.empty()) names.common_name = cn.front();
  names.dns_names = values(GRPC_PEER_DNS_PROPERTY_NAME);
  names.uris = values(GRPC_PEER_URI_PROPERTY_NAME);
  return names;
}

}  // namespace kiln
