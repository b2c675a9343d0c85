// The flags every kiln client (worker, bench, attack, logs) takes for reaching its server
// besides the target itself: --tls-ca, --tls-cert, --tls-key and --token-file
// (client/client_connection_options.h says what each means).
#pragma once

#include <string>

#include "cli/flags.h"
#include "client/client_connection_options.h"

namespace kiln {

// Registers the flags, which fill in `options` (all but its target). A `prefix` names a
// second connection of the same command: "cas-" gives --cas-tls-ca, ..., --cas-token-file.
void AddClientConnectionFlags(FlagSet& flags, ClientConnectionOptions& options, const std::string& prefix = "");

// The text for a command's target flag: the schemes and what they mean.
inline constexpr char kClientTargetHelp[] =
    "grpcs://HOST:PORT for TLS, grpc://HOST:PORT or HOST:PORT for plaintext.";

}  // namespace kiln
