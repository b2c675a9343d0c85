// `kiln serve`'s HTTP port flags: --http-listen HOST:PORT (or "off") and --http-threads
// (server/http_port.h). The port shares the gRPC port's TLS files and auth file, and the
// same rule for addresses beyond loopback (cli/network_exposure.h).
#pragma once

#include <string>

#include "cli/flags.h"
#include "server/kiln_server.h"

namespace kiln {

void AddHttpFlags(FlagSet& flags, ServerOptions& options);

// "off" becomes no HTTP port; the address is checked like --listen's (an auth file, or
// anonymous network access allowed, beyond loopback). `warning` gets what to print.
Status ResolveHttpFlags(ServerOptions& options, bool allow_anonymous_network_access, std::string* warning);

}  // namespace kiln
