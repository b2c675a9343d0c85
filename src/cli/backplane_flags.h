// `kiln serve --backplane URL` and its companions: the Redis a farm's frontends share their
// scheduler through. Resolving refuses what cannot work -- companions without --backplane,
// a backplane on a storage node, TLS files for a plaintext redis:// -- naming the flag.
#pragma once

#include "cli/flags.h"
#include "server/kiln_server.h"

namespace kiln {

// Also --advertise, and --peer-tls-ca, --peer-tls-cert, --peer-tls-key, --peer-token-file:
// how frontends reach each other.
void AddBackplaneFlags(FlagSet& flags, ServerOptions& options);

// REQUIRES: `flags` has parsed the command, and options.role is resolved.
Status ResolveBackplaneFlags(const FlagSet& flags, const ServerOptions& options);

}  // namespace kiln
