// How a kiln client (worker, bench, attack, logs) reaches a server: the target, with its
// scheme saying plaintext or TLS, the TLS files, and a bearer-token file. Plain data, checked
// here without gRPC; client/client_channel.h turns it into channels.
//
// Targets: "grpcs://HOST:PORT" is TLS (server verified against --tls-ca, else the default
// roots); "grpc://HOST:PORT" and a bare "HOST:PORT" (or any other gRPC target, such as
// "unix:PATH") are plaintext. A client certificate is only for TLS targets.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace kiln {

struct ClientConnectionOptions {
  std::string target;
  std::string tls_ca_file;    // PEM roots for the server's certificate; empty: default roots.
  std::string tls_cert_file;  // PEM client certificate chain (mutual TLS), with tls_key_file.
  std::string tls_key_file;
  std::string token_file;  // Its contents are sent as "authorization: Bearer ..." on every call.
};

struct ClientTarget {
  std::string address;  // What gRPC connects to: the target without its scheme.
  bool tls = false;
};

// INVALID_ARGUMENT for an empty target, nothing after the scheme, or an http(s):// URL.
// Other gRPC target syntaxes ("unix:PATH", "dns:///HOST:PORT") pass through as plaintext.
StatusOr<ClientTarget> ParseClientTarget(const std::string& target);

// A comma-separated list of targets ("grpcs://a:8980,grpcs://b:8980"; one alone is a list
// of one), each checked with ParseClientTarget. INVALID_ARGUMENT for an empty item or a
// target listed twice.
StatusOr<std::vector<std::string>> SplitClientTargetList(std::string_view list);

// The target parses, TLS files are given only for a grpcs:// target, a certificate comes
// with its key, and the files themselves are usable (common/pem_files.h). The token file
// is checked when it is first read (client/bearer_token_file.h).
Status CheckClientConnectionOptions(const ClientConnectionOptions& options);

// The flags (cli/client_connection_flags.h) that give a child process the same TLS and
// token settings: "--tls-ca FILE", ... for each one set. The target is not among them.
std::vector<std::string> ClientConnectionFlagArgs(const ClientConnectionOptions& options);

}  // namespace kiln
