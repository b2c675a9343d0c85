// Which network addresses Remote Asset fetches may connect to. A client names the URI, so
// without a check it could make kiln fetch from kiln's own host or its neighbours (SSRF:
// admin ports on 127.0.0.1, a cloud metadata service on 169.254.169.254, an internal git
// server). By default every destination in these ranges is refused:
//
//   IPv4  0/8, 10/8, 100.64/10, 127/8, 169.254/16, 172.16/12, 192.168/16, 224/4, 240/4
//         (which holds 255.255.255.255)
//   IPv6  ::, ::1, fc00::/7, fe80::/10, fec0::/10, ff00::/8, 64:ff9b:1::/48
//
// and IPv6 addresses that carry an IPv4 address (IPv4-mapped ::ffff:a.b.c.d, -translated
// ::ffff:0:a.b.c.d, -compatible ::a.b.c.d, NAT64 64:ff9b::/96, 6to4 2002::/16) are judged
// by that IPv4 address. The check belongs on the address actually connected to, after DNS
// resolution (curl_downloader.h, git_destination.h), so that a name resolving to something
// else by the time of the connection (DNS rebinding) gains nothing.
//
// The operator may allow everything (--asset-allow-private-networks) or name networks that
// are allowed although they are in a blocked range (--asset-allow-networks). Immutable and
// thread-safe.
#pragma once

#include <sys/socket.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace kiln {

struct IpAddress {
  bool v6 = false;
  std::array<uint8_t, 16> bytes{};  // Network order; an IPv4 address uses the first 4.

  int bit_length() const { return v6 ? 128 : 32; }
  std::string ToString() const;
  bool operator==(const IpAddress&) const = default;
};

// "192.0.2.1" or "2001:db8::1" (no brackets, no zone); nullopt otherwise.
std::optional<IpAddress> ParseIpAddress(std::string_view text);
// An AF_INET or AF_INET6 socket address; nullopt for any other family or a short length.
std::optional<IpAddress> IpAddressFromSockaddr(const sockaddr* address, socklen_t length);

struct IpNetwork {
  IpAddress base;  // Bits beyond the prefix are zero.
  int prefix_length = 0;

  bool Contains(const IpAddress& address) const;
  std::string ToString() const;  // "10.0.0.0/8"
};

// "10.0.0.0/8", "fd00::/8", or a single address ("192.0.2.7" = /32). INVALID_ARGUMENT for
// anything else, and for a base with bits set beyond the prefix ("10.0.0.1/8": a typo or a
// misunderstanding, so it is refused rather than silently widened).
StatusOr<IpNetwork> ParseIpNetwork(std::string_view text);

// The IPv4 address an IPv6 address carries (mapped, translated, compatible, NAT64, 6to4),
// or nullopt. Not for :: and ::1, which are IPv6's own.
std::optional<IpAddress> EmbeddedIpv4(const IpAddress& address);

// The blocked range `address` is in, described for a message ("loopback 127.0.0.0/8",
// "link-local fe80::/10", "loopback 127.0.0.0/8, inside IPv4-mapped ::ffff:0:0/96"), or
// nullopt for an address on the public internet.
std::optional<std::string> BlockedRangeOf(const IpAddress& address);

class DestinationPolicy {
 public:
  // The policy `kiln serve` flags describe: everything allowed, or the blocked ranges
  // refused except `allowed_networks` (ParseIpNetwork's forms). INVALID_ARGUMENT naming a
  // network that does not parse.
  static StatusOr<DestinationPolicy> FromFlags(bool allow_private_networks,
                                               const std::vector<std::string>& allowed_networks);

  // Refuses every blocked range (the default), except the networks in `allowed`.
  DestinationPolicy() = default;
  explicit DestinationPolicy(std::vector<IpNetwork> allowed) : allowed_(std::move(allowed)) {}
  static DestinationPolicy AllowingAll();

  // OK, or PERMISSION_DENIED saying which address and range were refused and naming the
  // flags that would allow it.
  Status Check(const IpAddress& address) const;
  bool allows_all() const { return allow_all_; }

 private:
  bool allow_all_ = false;
  std::vector<IpNetwork> allowed_;
};

}  // namespace kiln
