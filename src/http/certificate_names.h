// The names in a verified client certificate on the HTTP port, in the order the gRPC side
// gives them (server/peer_certificate_names.h): subject CN, then subjectAltName DNS names,
// then URIs. The auth file matches principals' certificate_names against these.
#pragma once

#include <string>
#include <vector>

typedef struct x509_st X509;

namespace kiln {

std::vector<std::string> CertificateNames(X509* certificate);

}  // namespace kiln
