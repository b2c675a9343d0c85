// `kiln serve`'s TLS flags: --tls-cert and --tls-key turn TLS on, --tls-client-ca asks
// clients for certificates from that CA (--tls-client-auth: required unless "optional"),
// --tls-reload-interval says how often the files are re-read (server/server_tls.h).
#pragma once

#include <string>

#include "cli/flags.h"
#include "server/server_tls.h"

namespace kiln {

struct ServerTlsFlags {
  std::string cert_file;
  std::string key_file;
  std::string client_ca_file;
  std::string client_auth;  // "", "require" or "optional".
  Duration reload_interval = ServerTlsOptions().reload_interval;
};

void AddServerTlsFlags(FlagSet& flags, ServerTlsFlags& tls);

// The options the flags ask for, checked (files included: CheckServerTlsOptions), or an
// INVALID_ARGUMENT naming the flag or file at fault.
StatusOr<ServerTlsOptions> ResolveServerTlsFlags(const ServerTlsFlags& tls);

}  // namespace kiln
