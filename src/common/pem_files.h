// Checks of the PEM files TLS is configured with (certificates, private keys, CA bundles),
// made with OpenSSL before a server or client starts: a wrong path, a file that is not PEM,
// an encrypted key or a key that belongs to another certificate is reported at start, naming
// the file and what is wrong with it, instead of surfacing later as a failed handshake.
// The files are only checked here; gRPC reads (and re-reads) them itself.
#pragma once

#include <string>

#include "common/status.h"

namespace kiln {

// `path` holds one or more PEM certificates (a CA bundle), all of which parse.
Status CheckCertificateBundleFile(const std::string& path);

// `cert_path` holds a certificate chain (the first certificate is this side's own, and
// must be valid now), `key_path` an unencrypted private key, and the key is the one the
// first certificate was issued for.
Status CheckKeyPairFiles(const std::string& cert_path, const std::string& key_path);

}  // namespace kiln
