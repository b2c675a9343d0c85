// Takes a compact JWT (RFC 7519: header.payload.signature, each base64url without padding)
// apart, before anything about it is trusted: the header's algorithm and key id, and the
// claims kiln checks. Verification (signature, times, issuer, audience) is jwt_verifier.h's.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/jwks.h"
#include "common/status.h"

namespace kiln {

// Longer tokens are refused unparsed (gRPC's own metadata limit is 8 KiB by default).
inline constexpr size_t kMaxJwtBytes = 16 * 1024;

struct JwtClaims {
  std::string issuer;                  // "iss"
  std::string subject;                 // "sub"
  std::vector<std::string> audiences;  // "aud": a string or a list of strings.
  std::optional<int64_t> expires;      // "exp", seconds since the epoch.
  std::optional<int64_t> not_before;   // "nbf", seconds since the epoch.
};

struct ParsedJwt {
  JwtAlgorithm algorithm = JwtAlgorithm::kRs256;
  std::optional<std::string> kid;
  JwtClaims claims;
  std::string_view signing_input;  // "header.payload", into the token given to ParseJwt.
  std::string signature;           // Decoded.
};

// True when `token` has the shape of a compact JWT (three dot-separated parts); cheap, for
// telling JWTs from opaque bearer tokens.
bool LooksLikeJwt(std::string_view token);

// UNAUTHENTICATED, saying what is wrong and never quoting the token, when `token` is not a
// well-formed JWT or names an algorithm other than RS256 and ES256 ("none" and the HMAC
// algorithms included) or a critical extension. The result refers into `token`.
StatusOr<ParsedJwt> ParseJwt(std::string_view token);

}  // namespace kiln
