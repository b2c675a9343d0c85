// The flags every kiln client (worker, bench, attack, logs) takes for reaching its server
// besides the target itself: --tls-ca, --tls-cert, --tls-key and --token-file
// (client/client_connection_options.h says what each means).
#pragma once

#include "cli/flags.h"
#include "client/client_connection_options.h"

namespace kiln {

// Registers the flags, which fill in `options` (all but its target).
void AddClientConnectionFlags(FlagSet& flags, ClientConnectionOptions& options);

// The text for a command's target flag: the schemes and what they mean.
inline constexpr char kClientTargetHelp[] =
    "grpcs://HOST:PORT for TLS, grpc://HOST:PORT or HOST:PORT for plaintext.";

}  // namespace kiln
