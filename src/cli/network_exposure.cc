#include "cli/network_exposure.h"

#include <arpa/inet.h>

namespace kiln {
namespace {

// "HOST:PORT" or "[V6]:PORT" to HOST / V6; anything without a port as it is.
std::string_view HostOf(std::string_view listen) {
  if (!listen.empty() && listen.front() == '[') {
    const size_t close = listen.find(']');
    return close == std::string_view::npos ? listen : listen.substr(1, close - 1);
  }
  const size_t colon = listen.rfind(':');
  if (colon == std::string_view::npos || listen.find(':') != colon) return listen;  // Bare IPv6 or no port.
  return listen.substr(0, colon);
}

}  // namespace

bool IsLoopbackListenAddress(std::string_view listen) {
  if (listen.starts_with("unix:") || listen.starts_with("unix-abstract:")) return true;
  const std::string host(HostOf(listen));
  if (host == "localhost") return true;
  in_addr v4{};
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  if (inet_pton(AF_INET6, host.c_str(), &v6) == 1) return IN6_IS_ADDR_LOOPBACK(&v6);
  return false;
}

Status CheckNetworkExposure(std::string_view listen, bool has_auth_file, bool allow_anonymous_network_access,
                            std::string* warning) {
  warning->clear();
  if (has_auth_file || IsLoopbackListenAddress(listen)) return Status::Ok();
  if (allow_anonymous_network_access) {
    *warning = "kiln serve: WARNING: listening on " + std::string(listen) +
               " without an auth file: anyone who reaches this port can run commands on the workers, read every "
               "blob and write the action cache (--allow-anonymous-network-access)\n";
    return Status::Ok();
  }
  return Status::FailedPrecondition(
      "--listen " + std::string(listen) +
      " reaches beyond this machine, and without an auth file anyone who reaches it could run commands on the "
      "workers, read every blob and write the action cache. Give --auth-file FILE (principals, tokens, "
      "certificates: see the README's Security section), ideally with --tls-cert/--tls-key; listen on 127.0.0.1; "
      "or, on a network you trust completely, pass --allow-anonymous-network-access");
}

}  // namespace kiln
