#include "cli/http_flags.h"

#include "cli/network_exposure.h"

namespace kiln {

void AddHttpFlags(FlagSet& flags, ServerOptions& options) {
  flags.AddString("http-listen", &options.http_listen,
                  "Address of the HTTP port, HOST:PORT (port 0 picks a free port), or \"off\": /healthz, /readyz and "
                  "the bazel-remote HTTP cache protocol (/cas/HASH, /ac/HASH) over the same stores, TLS and auth "
                  "file as gRPC (README: HTTP API).");
  flags.AddInt("http-threads", &options.http_threads,
               "HTTP connections served at once; more wait for one to end (a bound against clients that hold "
               "connections open).",
               FlagRange::Between(1, 1024));
}

Status ResolveHttpFlags(ServerOptions& options, bool allow_anonymous_network_access, std::string* warning) {
  if (options.http_listen == "off") options.http_listen.clear();
  if (options.http_listen.empty()) return Status::Ok();
  if (options.http_listen.find(':') == std::string::npos) {
    return Status::InvalidArgument("--http-listen: expected HOST:PORT or off, got " + options.http_listen);
  }
  std::string http_warning;
  Status exposed = CheckNetworkExposure(options.http_listen, !options.auth_file.empty(),
                                        allow_anonymous_network_access, &http_warning);
  if (!exposed.ok()) return exposed.WithContext("--http-listen");
  // The gRPC port's check already printed the same warning for the same choice.
  if (warning->empty()) *warning = http_warning;
  return Status::Ok();
}

}  // namespace kiln
