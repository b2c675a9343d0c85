#include "cli/server_tls_flags.h"

namespace kiln {

void AddServerTlsFlags(FlagSet& flags, ServerTlsFlags& tls) {
  flags.AddString("tls-cert", &tls.cert_file,
                  "PEM certificate chain (this server's certificate first): serve gRPC over TLS. Needs --tls-key. "
                  "Re-read when it changes (see --tls-reload-interval): replace it by rename, together with the key "
                  "(e.g. key and chain in one file given to both flags).");
  flags.AddString("tls-key", &tls.key_file, "PEM private key (unencrypted) of --tls-cert.");
  flags.AddString("tls-client-ca", &tls.client_ca_file,
                  "PEM bundle of the CAs client certificates must be issued by: ask clients for a certificate "
                  "(mutual TLS). Needs --tls-cert.");
  flags.AddString("tls-client-auth", &tls.client_auth,
                  "With --tls-client-ca: \"require\" refuses connections without a trusted client certificate, "
                  "\"optional\" lets them in (a certificate that is sent must still be trusted). Default: require.");
  flags.AddDuration("tls-reload-interval", &tls.reload_interval,
                    "How often the TLS files are checked for changes (at least 1s, whole seconds). New "
                    "connections use the new certificate; open ones are kept. No restart or SIGHUP needed.");
}

StatusOr<ServerTlsOptions> ResolveServerTlsFlags(const ServerTlsFlags& tls) {
  ServerTlsOptions options;
  options.cert_file = tls.cert_file;
  options.key_file = tls.key_file;
  options.client_ca_file = tls.client_ca_file;
  options.reload_interval = tls.reload_interval;
  if (!tls.client_auth.empty() && tls.client_ca_file.empty()) {
    return Status::InvalidArgument("--tls-client-auth needs --tls-client-ca");
  }
  if (tls.client_auth == "optional") {
    options.client_certificates = ClientCertificates::kOptional;
  } else if (tls.client_auth == "require" || (tls.client_auth.empty() && !tls.client_ca_file.empty())) {
    options.client_certificates = ClientCertificates::kRequired;
  } else if (!tls.client_auth.empty()) {
    return Status::InvalidArgument("--tls-client-auth must be \"require\" or \"optional\" (got \"" + tls.client_auth +
                                   "\")");
  }
  KILN_RETURN_IF_ERROR(CheckServerTlsOptions(options));
  return options;
}

}  // namespace kiln
