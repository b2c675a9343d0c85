#include "asset/git_destination.h"

#include <curl/curl.h>
#include <netdb.h>

#include <algorithm>
#include <cctype>
#include <memory>

namespace kiln {
namespace {

bool IsPinnableHostName(std::string_view host) {
  return !host.empty() && std::all_of(host.begin(), host.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_';
  });
}

// CURLOPT_RESOLVE's spelling of an address: IPv6 in brackets.
std::string ResolveEntryAddress(const IpAddress& address) {
  return address.v6 ? "[" + address.ToString() + "]" : address.ToString();
}

struct HttpTarget {
  std::string host;  // As git's libcurl will look it up; IPv6 literals without brackets.
  std::string port;  // Explicit, or the scheme's default.
};

StatusOr<HttpTarget> ParseHttpTarget(const std::string& uri) {
  std::unique_ptr<CURLU, decltype(&curl_url_cleanup)> url(curl_url(), curl_url_cleanup);
  if (!url || curl_url_set(url.get(), CURLUPART_URL, uri.c_str(), 0) != CURLUE_OK) {
    return Status::InvalidArgument("\"" + uri + "\" is not a URL kiln can parse");
  }
  auto part = [&](CURLUPart which, unsigned flags) -> std::string {
    char* text = nullptr;
    if (curl_url_get(url.get(), which, &text, flags) != CURLUE_OK || text == nullptr) return "";
    std::string value(text);
    curl_free(text);
    return value;
  };
  HttpTarget target{part(CURLUPART_HOST, 0), part(CURLUPART_PORT, CURLU_DEFAULT_PORT)};
  if (!part(CURLUPART_ZONEID, 0).empty()) {
    return Status::InvalidArgument("\"" + uri + "\": IPv6 zone identifiers are not supported");
  }
  if (target.host.size() > 2 && target.host.front() == '[' && target.host.back() == ']') {
    target.host = target.host.substr(1, target.host.size() - 2);
  }
  if (target.host.empty() || target.port.empty()) return Status::InvalidArgument("\"" + uri + "\" names no host");
  return target;
}

}  // namespace

StatusOr<std::vector<IpAddress>> ResolveHost(const std::string& host) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* results = nullptr;
  const int error = ::getaddrinfo(host.c_str(), nullptr, &hints, &results);
  if (error != 0) return Status::Unavailable("cannot resolve host \"" + host + "\": " + ::gai_strerror(error));
  std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> owned(results, ::freeaddrinfo);
  std::vector<IpAddress> addresses;
  for (const addrinfo* at = results; at != nullptr; at = at->ai_next) {
    auto address = IpAddressFromSockaddr(at->ai_addr, at->ai_addrlen);
    if (address && std::find(addresses.begin(), addresses.end(), *address) == addresses.end()) {
      addresses.push_back(*address);
    }
  }
  if (addresses.empty()) return Status::Unavailable("host \"" + host + "\" has no IPv4 or IPv6 address");
  return addresses;
}

StatusOr<std::vector<std::string>> GitDestinationConfig(const std::string& uri, const DestinationPolicy& policy,
                                                         const HostResolver& resolve) {
  if (!uri.starts_with("http://") && !uri.starts_with("https://")) {
    if (uri.starts_with("file:")) return std::vector<std::string>();
    return Status::InvalidArgument("\"" + uri + "\": kiln fetches git repositories only over http, https and file");
  }
  if (policy.allows_all()) return std::vector<std::string>();
  auto target = ParseHttpTarget(uri);
  if (!target.ok()) return target.status();
  if (auto literal = ParseIpAddress(target->host)) {
    // libcurl connects to a literal address as it is: nothing to resolve, nothing to pin.
    KILN_RETURN_IF_ERROR(policy.Check(*literal));
    return std::vector<std::string>{"http.followRedirects=false"};
  }
  if (!IsPinnableHostName(target->host)) {
    return Status::InvalidArgument("git host \"" + target->host +
                                   "\": only ASCII letters, digits, '-', '.' and '_' (or an IP address) are "
                                   "accepted unless kiln serve runs with --asset-allow-private-networks");
  }
  auto addresses = resolve(target->host);
  if (!addresses.ok()) return addresses.status();
  std::string pinned;
  Status first_refusal;
  for (const IpAddress& address : *addresses) {
    Status allowed = policy.Check(address);
    if (allowed.ok()) {
      pinned += (pinned.empty() ? "" : ",") + ResolveEntryAddress(address);
    } else if (first_refusal.ok()) {
      first_refusal = std::move(allowed);
    }
  }
  if (pinned.empty()) {
    if (first_refusal.ok()) return Status::Unavailable("host \"" + target->host + "\" has no address");
    return first_refusal;
  }
  return std::vector<std::string>{"http.followRedirects=false",
                                  "http.curloptResolve=" + target->host + ":" + target->port + ":" + pinned};
}

}  // namespace kiln
