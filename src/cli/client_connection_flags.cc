#include "cli/client_connection_flags.h"

namespace kiln {

void AddClientConnectionFlags(FlagSet& flags, ClientConnectionOptions& options, const std::string& prefix) {
  flags.AddString(prefix + "tls-ca", &options.tls_ca_file,
                  "PEM CA bundle to verify a grpcs:// server's certificate with (default: the system's roots).");
  flags.AddString(prefix + "tls-cert", &options.tls_cert_file,
                  "PEM client certificate chain for servers that ask for one (mutual TLS; grpcs:// only). "
                  "Needs --" + prefix + "tls-key.");
  flags.AddString(prefix + "tls-key", &options.tls_key_file, "PEM private key (unencrypted) of --" + prefix + "tls-cert.");
  flags.AddString(prefix + "token-file", &options.token_file,
                  "File holding a bearer token, sent as \"authorization: Bearer TOKEN\" on every call. Re-read "
                  "when it changes (replace it by rename); keep it readable by its owner only.");
}

}  // namespace kiln
