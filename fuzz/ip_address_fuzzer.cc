// IP addresses and networks as the Remote Asset destination policy reads them
// (src/asset/destination_policy.h): --asset-allow-networks values and the hosts of git
// URIs. Checked against the C library: an address kiln parses is the one inet_pton reads
// from the same text, and the other way round; printed forms parse back; a network holds
// its own base; an address carrying an IPv4 address is judged by it.
#include <arpa/inet.h>

#include <string>

#include "asset/destination_policy.h"
#include "fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace kiln;
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto address = ParseIpAddress(text);

  std::array<uint8_t, 16> bytes{};
  const bool v4 = text.find('\0') == std::string::npos && inet_pton(AF_INET, text.c_str(), bytes.data()) == 1;
  const bool v6 = !v4 && text.find('\0') == std::string::npos && inet_pton(AF_INET6, text.c_str(), bytes.data()) == 1;
  FUZZ_CHECK(address.has_value() == (v4 || v6));
  if (address) {
    FUZZ_CHECK(address->v6 == v6 && address->bytes == bytes);
    auto again = ParseIpAddress(address->ToString());
    FUZZ_CHECK(again && *again == *address);
    const DestinationPolicy policy;
    const Status check = policy.Check(*address);
    FUZZ_CHECK(check.ok() == !BlockedRangeOf(*address).has_value());
    if (!check.ok()) FUZZ_CHECK(check.code() == StatusCode::kPermissionDenied);
    if (auto embedded = EmbeddedIpv4(*address)) {
      FUZZ_CHECK(!embedded->v6);
      if (BlockedRangeOf(*embedded)) FUZZ_CHECK(!policy.Check(*address).ok());
    }
    FUZZ_CHECK(DestinationPolicy::AllowingAll().Check(*address).ok());
  }

  auto network = ParseIpNetwork(text);
  if (network.ok()) {
    FUZZ_CHECK(network->prefix_length >= 0 && network->prefix_length <= network->base.bit_length());
    FUZZ_CHECK(network->Contains(network->base));
    auto again = ParseIpNetwork(network->ToString());
    FUZZ_CHECK(again.ok() && again->base == network->base && again->prefix_length == network->prefix_length);
    const DestinationPolicy allowing({*network});
    FUZZ_CHECK(allowing.Check(network->base).ok());
  } else {
    FUZZ_CHECK(network.status().code() == StatusCode::kInvalidArgument);
  }
  return 0;
}
