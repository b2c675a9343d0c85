#include "asset/destination_policy.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <charconv>
#include <cstring>

namespace kiln {
namespace {

struct NamedRange {
  const char* text;  // Parsed once, below.
  const char* name;
};

// Most specific first: the first match names the range in messages.
constexpr NamedRange kBlockedRanges[] = {
    {"255.255.255.255/32", "broadcast"},
    {"0.0.0.0/8", "\"this network\""},
    {"10.0.0.0/8", "private"},
    {"100.64.0.0/10", "shared address space (carrier-grade NAT)"},
    {"127.0.0.0/8", "loopback"},
    {"169.254.0.0/16", "link-local (cloud metadata services)"},
    {"172.16.0.0/12", "private"},
    {"192.168.0.0/16", "private"},
    {"224.0.0.0/4", "multicast"},
    {"240.0.0.0/4", "reserved"},
    {"::/128", "unspecified"},
    {"::1/128", "loopback"},
    {"64:ff9b:1::/48", "local-use NAT64"},
    {"fc00::/7", "unique local (private)"},
    {"fe80::/10", "link-local"},
    {"fec0::/10", "site-local"},
    {"ff00::/8", "multicast"},
};

struct ParsedRange {
  IpNetwork network;
  std::string name;
};

const std::vector<ParsedRange>& BlockedRanges() {
  static const std::vector<ParsedRange> ranges = [] {
    std::vector<ParsedRange> parsed;
    for (const NamedRange& range : kBlockedRanges) parsed.push_back({*ParseIpNetwork(range.text), range.name});
    return parsed;
  }();
  return ranges;
}

// IPv6 prefixes whose addresses carry an IPv4 address, and where it sits.
struct EmbeddingPrefix {
  const char* text;
  const char* name;
  int ipv4_offset;  // Byte offset of the IPv4 address in the IPv6 one.
};

constexpr EmbeddingPrefix kEmbeddingPrefixes[] = {
    {"::ffff:0:0/96", "IPv4-mapped", 12},
    {"::ffff:0:0:0/96", "IPv4-translated", 12},
    {"::/96", "IPv4-compatible", 12},
    {"64:ff9b::/96", "NAT64", 12},
    {"2002::/16", "6to4", 2},
};

struct ParsedEmbedding {
  IpNetwork prefix;
  std::string name;
  int ipv4_offset;
};

const std::vector<ParsedEmbedding>& EmbeddingPrefixes() {
  static const std::vector<ParsedEmbedding> prefixes = [] {
    std::vector<ParsedEmbedding> parsed;
    for (const EmbeddingPrefix& prefix : kEmbeddingPrefixes) {
      parsed.push_back({*ParseIpNetwork(prefix.text), prefix.name, prefix.ipv4_offset});
    }
    return parsed;
  }();
  return prefixes;
}

const ParsedEmbedding* EmbeddingOf(const IpAddress& address) {
  if (!address.v6) return nullptr;
  // :: and ::1 are inside ::/96 but are IPv6's own unspecified and loopback addresses.
  static const IpAddress unspecified = *ParseIpAddress("::"), loopback = *ParseIpAddress("::1");
  if (address == unspecified || address == loopback) return nullptr;
  for (const ParsedEmbedding& embedding : EmbeddingPrefixes()) {
    if (embedding.prefix.Contains(address)) return &embedding;
  }
  return nullptr;
}

const ParsedRange* DirectRangeOf(const IpAddress& address) {
  for (const ParsedRange& range : BlockedRanges()) {
    if (range.network.Contains(address)) return &range;
  }
  return nullptr;
}

bool IsAllowed(const std::vector<IpNetwork>& allowed, const IpAddress& address) {
  for (const IpNetwork& network : allowed) {
    if (network.Contains(address)) return true;
  }
  return false;
}

}  // namespace

std::string IpAddress::ToString() const {
  char text[INET6_ADDRSTRLEN] = {0};
  ::inet_ntop(v6 ? AF_INET6 : AF_INET, bytes.data(), text, sizeof text);
  return text;
}

std::optional<IpAddress> ParseIpAddress(std::string_view text) {
  // inet_pton reads up to a NUL: "::1\0anything" would read as ::1.
  if (text.size() >= INET6_ADDRSTRLEN || text.find('\0') != std::string_view::npos) return std::nullopt;
  const std::string terminated(text);
  IpAddress address;
  if (::inet_pton(AF_INET, terminated.c_str(), address.bytes.data()) == 1) return address;
  address.v6 = true;
  if (::inet_pton(AF_INET6, terminated.c_str(), address.bytes.data()) == 1) return address;
  return std::nullopt;
}

std::optional<IpAddress> IpAddressFromSockaddr(const sockaddr* address, socklen_t length) {
  IpAddress ip;
  if (address->sa_family == AF_INET && length >= static_cast<socklen_t>(sizeof(sockaddr_in))) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(address);
    std::memcpy(ip.bytes.data(), &v4->sin_addr, 4);
    return ip;
  }
  if (address->sa_family == AF_INET6 && length >= static_cast<socklen_t>(sizeof(sockaddr_in6))) {
    const auto* v6 = reinterpret_cast<const sockaddr_in6*>(address);
    ip.v6 = true;
    std::memcpy(ip.bytes.data(), &v6->sin6_addr, 16);
    return ip;
  }
  return std::nullopt;
}

bool IpNetwork::Contains(const IpAddress& address) const {
  if (address.v6 != base.v6) return false;
  const int full_bytes = prefix_length / 8;
  if (std::memcmp(address.bytes.data(), base.bytes.data(), full_bytes) != 0) return false;
  const int rest = prefix_length % 8;
  if (rest == 0) return true;
  const uint8_t mask = static_cast<uint8_t>(0xff << (8 - rest));
  return (address.bytes[full_bytes] & mask) == base.bytes[full_bytes];
}

std::string IpNetwork::ToString() const { return base.ToString() + "/" + std::to_string(prefix_length); }

StatusOr<IpNetwork> ParseIpNetwork(std::string_view text) {
  const size_t slash = text.find('/');
  auto base = ParseIpAddress(text.substr(0, slash));
  if (!base) {
    return Status::InvalidArgument("\"" + std::string(text) + "\" is not an IP address or network (e.g. 10.0.0.0/8)");
  }
  IpNetwork network{*base, base->bit_length()};
  if (slash != std::string_view::npos) {
    std::string_view length = text.substr(slash + 1);
    auto [end, error] = std::from_chars(length.data(), length.data() + length.size(), network.prefix_length);
    if (length.empty() || error != std::errc() || end != length.data() + length.size() || network.prefix_length < 0 ||
        network.prefix_length > base->bit_length()) {
      return Status::InvalidArgument("\"" + std::string(text) + "\": the prefix length must be 0 to " +
                                     std::to_string(base->bit_length()));
    }
  }
  for (int bit = network.prefix_length; bit < base->bit_length(); ++bit) {
    if (base->bytes[bit / 8] & (0x80 >> (bit % 8))) {
      return Status::InvalidArgument("\"" + std::string(text) + "\" has address bits set beyond its /" +
                                     std::to_string(network.prefix_length) + " prefix");
    }
  }
  return network;
}

std::optional<IpAddress> EmbeddedIpv4(const IpAddress& address) {
  const ParsedEmbedding* embedding = EmbeddingOf(address);
  if (embedding == nullptr) return std::nullopt;
  IpAddress v4;
  std::memcpy(v4.bytes.data(), address.bytes.data() + embedding->ipv4_offset, 4);
  return v4;
}

std::optional<std::string> BlockedRangeOf(const IpAddress& address) {
  if (const ParsedRange* range = DirectRangeOf(address)) return range->name + " " + range->network.ToString();
  const ParsedEmbedding* embedding = EmbeddingOf(address);
  if (embedding == nullptr) return std::nullopt;
  const IpAddress v4 = *EmbeddedIpv4(address);
  const ParsedRange* range = DirectRangeOf(v4);
  if (range == nullptr) return std::nullopt;
  return range->name + " " + range->network.ToString() + ", as " + v4.ToString() + " inside " + embedding->name +
         " " + embedding->prefix.ToString();
}

StatusOr<DestinationPolicy> DestinationPolicy::FromFlags(bool allow_private_networks,
                                                         const std::vector<std::string>& allowed_networks) {
  std::vector<IpNetwork> networks;
  for (const std::string& text : allowed_networks) {
    auto network = ParseIpNetwork(text);
    if (!network.ok()) return network.status().WithContext("--asset-allow-networks");
    networks.push_back(*network);
  }
  if (allow_private_networks) return AllowingAll();
  return DestinationPolicy(std::move(networks));
}

DestinationPolicy DestinationPolicy::AllowingAll() {
  DestinationPolicy policy;
  policy.allow_all_ = true;
  return policy;
}

Status DestinationPolicy::Check(const IpAddress& address) const {
  if (allow_all_) return Status::Ok();
  const std::optional<std::string> range = BlockedRangeOf(address);
  if (!range) return Status::Ok();
  const std::optional<IpAddress> v4 = EmbeddedIpv4(address);
  if (IsAllowed(allowed_, address) || (v4 && IsAllowed(allowed_, *v4))) return Status::Ok();
  return Status(StatusCode::kPermissionDenied,
                "kiln refused to connect to " + address.ToString() + " (" + *range +
                    "): Remote Asset fetches may not reach loopback, private, link-local or multicast addresses "
                    "unless kiln serve runs with --asset-allow-private-networks, or --asset-allow-networks lists "
                    "the address's network");
}

}  // namespace kiln
