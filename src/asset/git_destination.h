// The destination policy (destination_policy.h) for git fetches over http and https. git
// talks to the server with its own libcurl, which kiln cannot hook, so kiln resolves the
// host itself, checks every address, and pins git's libcurl to the allowed ones
// (`http.curloptResolve`: git then does no DNS lookup of its own for that host, so a name
// that resolves elsewhere by the time git connects changes nothing). Redirects are turned
// off (`http.followRedirects=false`): a redirect would name a host nobody checked.
//
// Only plain ASCII host names (letters, digits, '-', '.', '_') and IP literals are
// accepted while the policy checks anything: for any other spelling, kiln could not be
// sure that git's libcurl looks up the very name that was pinned.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "asset/destination_policy.h"

namespace kiln {

// A host's addresses (IPv4 and IPv6), in the resolver's order.
using HostResolver = std::function<StatusOr<std::vector<IpAddress>>(const std::string& host)>;
// getaddrinfo. UNAVAILABLE (with the resolver's reason) when the name does not resolve.
StatusOr<std::vector<IpAddress>> ResolveHost(const std::string& host);

// The `-c` settings ("name=value") git needs to fetch `uri` under `policy`: none for a
// file URI or a policy that allows everything. PERMISSION_DENIED (the policy's message)
// when every address of the host is refused; INVALID_ARGUMENT for a URI or host name kiln
// cannot parse or pin; the resolver's error when the host does not resolve.
StatusOr<std::vector<std::string>> GitDestinationConfig(const std::string& uri, const DestinationPolicy& policy,
                                                         const HostResolver& resolve = ResolveHost);

}  // namespace kiln
