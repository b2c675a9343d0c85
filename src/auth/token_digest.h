// SHA-256 of a secret (a bearer token, a basic-auth password): what the auth file stores
// instead of the secret, and the key tokens are looked up by. Looking a digest up in a hash
// table leaks no timing an attacker can use, because they cannot choose the digest's bytes.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

namespace kiln {

using TokenDigest = std::array<uint8_t, 32>;

TokenDigest Sha256Token(std::string_view secret);
// 64 lowercase hex characters.
std::string TokenDigestHex(const TokenDigest& digest);
// Exactly 64 hex characters (either case); nullopt otherwise.
std::optional<TokenDigest> ParseTokenDigestHex(std::string_view hex);

// A digest's own bytes are uniformly spread already: its first word is a good hash.
struct TokenDigestHash {
  size_t operator()(const TokenDigest& digest) const {
    size_t hash;
    std::memcpy(&hash, digest.data(), sizeof hash);
    return hash;
  }
};

}  // namespace kiln
