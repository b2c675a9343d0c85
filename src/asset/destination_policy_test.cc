#include "asset/destination_policy.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <gtest/gtest.h>

namespace kiln {
namespace {

IpAddress Ip(const char* text) {
  auto address = ParseIpAddress(text);
  EXPECT_TRUE(address.has_value()) << text;
  return address.value_or(IpAddress{});
}

bool Blocked(const char* text) { return BlockedRangeOf(Ip(text)).has_value(); }

// Found by fuzz/ip_address_fuzzer.cc: inet_pton stopped at a NUL, so "::fff\0..." read as ::fff.
TEST(DestinationPolicyTest, AddressesWithANulByteDoNotParse) {
  EXPECT_FALSE(ParseIpAddress(std::string_view("::1\0garbage", 11)).has_value());
  EXPECT_FALSE(ParseIpAddress(std::string_view("10.0.0.1\0", 9)).has_value());
  EXPECT_FALSE(ParseIpNetwork(std::string_view("10.0.0.0/8\0", 11)).ok());
  EXPECT_TRUE(ParseIpAddress("::1").has_value());
}

TEST(DestinationPolicyTest, EveryBlockedIpv4RangeIsBlockedFromFirstToLastAddress) {
  // Each range's first and last address are in; the addresses just outside are out.
  const char* blocked[] = {"0.0.0.0",       "0.255.255.255",   "10.0.0.0",        "10.255.255.255",
                           "100.64.0.0",    "100.127.255.255", "127.0.0.0",       "127.0.0.1",
                           "127.255.255.255", "169.254.0.0",   "169.254.169.254", "169.254.255.255",
                           "172.16.0.0",    "172.31.255.255",  "192.168.0.0",     "192.168.255.255",
                           "224.0.0.0",     "239.255.255.255", "240.0.0.0",       "255.255.255.254",
                           "255.255.255.255"};
  for (const char* address : blocked) EXPECT_TRUE(Blocked(address)) << address;
  const char* allowed[] = {"1.0.0.0",       "9.255.255.255", "11.0.0.0",      "100.63.255.255", "100.128.0.0",
                           "126.255.255.255", "128.0.0.0",   "169.253.255.255", "169.255.0.0",  "172.15.255.255",
                           "172.32.0.0",    "192.167.255.255", "192.169.0.0", "223.255.255.255", "8.8.8.8",
                           "93.184.216.34"};
  for (const char* address : allowed) EXPECT_FALSE(Blocked(address)) << address;
}

TEST(DestinationPolicyTest, EveryBlockedIpv6RangeIsBlocked) {
  const char* blocked[] = {"::",           "::1",         "fc00::",      "fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
                           "fe80::",       "fe80::1",     "febf:ffff::1", "fec0::1",   "feff::1",
                           "ff00::",       "ff02::1",     "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
                           "64:ff9b:1::1", "64:ff9b:1:ffff::1"};
  for (const char* address : blocked) EXPECT_TRUE(Blocked(address)) << address;
  // Just outside fc00::/7 (fbff::, fe00::) and ::/96 (2::1); the rest are public.
  const char* allowed[] = {"2001:db8::1", "2606:4700::1111", "fbff:ffff::1", "fe00::1", "fe7f:ffff::1", "2::1",
                           "64:ff9b:2::1"};
  for (const char* address : allowed) EXPECT_FALSE(Blocked(address)) << address;
}

TEST(DestinationPolicyTest, Ipv6FormsCarryingABlockedIpv4AddressAreBlocked) {
  const char* blocked[] = {
      "::ffff:127.0.0.1",     // IPv4-mapped
      "::ffff:7f00:1",        // the same, in hex
      "::ffff:169.254.169.254",
      "::ffff:0:10.0.0.1",    // IPv4-translated
      "::127.0.0.1",          // IPv4-compatible
      "::192.168.1.1",
      "::2",                  // IPv4-compatible 0.0.0.2
      "64:ff9b::127.0.0.1",   // NAT64
      "64:ff9b::a00:1",       // NAT64 of 10.0.0.1
      "2002:7f00:1::",        // 6to4 of 127.0.0.1
      "2002:c0a8:101::1",     // 6to4 of 192.168.1.1
  };
  for (const char* address : blocked) EXPECT_TRUE(Blocked(address)) << address;
  // The same forms carrying public addresses are fine.
  for (const char* address : {"::ffff:8.8.8.8", "64:ff9b::8.8.8.8", "2002:808:808::1", "::ffff:0:8.8.8.8"}) {
    EXPECT_FALSE(Blocked(address)) << address;
  }
  EXPECT_EQ(*BlockedRangeOf(Ip("::ffff:127.0.0.1")), "loopback 127.0.0.0/8, as 127.0.0.1 inside IPv4-mapped ::ffff:0.0.0.0/96");
  EXPECT_EQ(EmbeddedIpv4(Ip("64:ff9b::a00:1"))->ToString(), "10.0.0.1");
  EXPECT_FALSE(EmbeddedIpv4(Ip("::1")).has_value());  // IPv6 loopback, not 0.0.0.1.
  EXPECT_EQ(*BlockedRangeOf(Ip("::1")), "loopback ::1/128");
}

TEST(DestinationPolicyTest, RefusalNamesAddressRangeAndTheFlags) {
  DestinationPolicy policy;
  Status refused = policy.Check(Ip("169.254.169.254"));
  EXPECT_EQ(refused.code(), StatusCode::kPermissionDenied);
  EXPECT_NE(refused.message().find("169.254.169.254 (link-local"), std::string::npos) << refused.message();
  EXPECT_NE(refused.message().find("169.254.0.0/16"), std::string::npos) << refused.message();
  EXPECT_NE(refused.message().find("--asset-allow-private-networks"), std::string::npos) << refused.message();
  EXPECT_TRUE(policy.Check(Ip("8.8.8.8")).ok());
  EXPECT_TRUE(policy.Check(Ip("2606:4700::1111")).ok());
}

TEST(DestinationPolicyTest, AllowedNetworksAreExemptAndNothingElse) {
  DestinationPolicy policy({*ParseIpNetwork("127.0.0.2"), *ParseIpNetwork("10.1.0.0/16"), *ParseIpNetwork("fd00::/8")});
  EXPECT_TRUE(policy.Check(Ip("127.0.0.2")).ok());
  EXPECT_TRUE(policy.Check(Ip("::ffff:127.0.0.2")).ok());  // The same IPv4 destination.
  EXPECT_TRUE(policy.Check(Ip("10.1.200.3")).ok());
  EXPECT_TRUE(policy.Check(Ip("fd12::1")).ok());
  EXPECT_FALSE(policy.Check(Ip("127.0.0.1")).ok());
  EXPECT_FALSE(policy.Check(Ip("::ffff:127.0.0.1")).ok());
  EXPECT_FALSE(policy.Check(Ip("10.2.0.1")).ok());
  EXPECT_FALSE(policy.Check(Ip("fc00::1")).ok());
  EXPECT_FALSE(policy.Check(Ip("::1")).ok());

  DestinationPolicy open = DestinationPolicy::AllowingAll();
  EXPECT_TRUE(open.allows_all());
  for (const char* address : {"127.0.0.1", "::1", "169.254.169.254", "ff02::1", "::ffff:10.0.0.1"}) {
    EXPECT_TRUE(open.Check(Ip(address)).ok()) << address;
  }
}

TEST(DestinationPolicyTest, ParsesNetworksStrictly) {
  auto network = ParseIpNetwork("172.16.0.0/12");
  ASSERT_TRUE(network.ok());
  EXPECT_EQ(network->ToString(), "172.16.0.0/12");
  EXPECT_TRUE(network->Contains(Ip("172.20.1.1")));
  EXPECT_FALSE(network->Contains(Ip("::ffff:172.20.1.1")));  // Families never mix here.
  EXPECT_EQ(ParseIpNetwork("::1")->prefix_length, 128);
  EXPECT_EQ(ParseIpNetwork("0.0.0.0/0")->prefix_length, 0);
  EXPECT_TRUE(ParseIpNetwork("0.0.0.0/0")->Contains(Ip("8.8.8.8")));
  for (const char* bad : {"", "10.0.0.0/", "10.0.0.0/33", "::/129", "10.0.0.0/-1", "10.0.0.1/8", "example.com",
                          "10.0.0.0/8x", "10.0.0", "fe80::1%eth0", "[::1]"}) {
    auto parsed = ParseIpNetwork(bad);
    EXPECT_FALSE(parsed.ok()) << bad;
    if (!parsed.ok()) EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument);
  }
}

TEST(DestinationPolicyTest, ReadsSocketAddresses) {
  sockaddr_in v4{};
  v4.sin_family = AF_INET;
  ::inet_pton(AF_INET, "127.0.0.1", &v4.sin_addr);
  auto address = IpAddressFromSockaddr(reinterpret_cast<sockaddr*>(&v4), sizeof v4);
  ASSERT_TRUE(address.has_value());
  EXPECT_EQ(address->ToString(), "127.0.0.1");

  sockaddr_in6 v6{};
  v6.sin6_family = AF_INET6;
  ::inet_pton(AF_INET6, "::ffff:10.0.0.1", &v6.sin6_addr);
  address = IpAddressFromSockaddr(reinterpret_cast<sockaddr*>(&v6), sizeof v6);
  ASSERT_TRUE(address.has_value());
  EXPECT_TRUE(Blocked("::ffff:10.0.0.1"));
  EXPECT_EQ(*address, Ip("::ffff:10.0.0.1"));

  sockaddr unix_address{};
  unix_address.sa_family = AF_UNIX;
  EXPECT_FALSE(IpAddressFromSockaddr(&unix_address, sizeof unix_address).has_value());
  EXPECT_FALSE(IpAddressFromSockaddr(reinterpret_cast<sockaddr*>(&v4), 4).has_value());  // Too short.
}

}  // namespace
}  // namespace kiln
