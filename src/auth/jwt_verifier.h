// Verifies JWTs from the issuers the auth file trusts: the signature (RS256 or ES256, with
// the issuer's key named by "kid"), then "iss", "aud", "exp" and "nbf". Immutable once
// built; thread-safe.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "auth/jwks.h"
#include "common/clock.h"
#include "common/status.h"

namespace kiln {

struct JwtIssuerKeys {
  std::string issuer;                  // Compared with "iss" exactly.
  std::vector<std::string> audiences;  // "aud" must name one of them.
  std::vector<JwtKey> keys;
};

struct VerifiedJwt {
  size_t issuer_index = 0;  // Into the verifier's issuers.
  std::string subject;
  WallTimePoint expires;  // "exp" plus the leeway: the token is good until then.
};

class JwtVerifier {
 public:
  // How far "exp" and "nbf" may be off: the issuer's clock and kiln's differ a little.
  static constexpr std::chrono::seconds kClockLeeway{60};

  // `clock` must outlive the verifier.
  JwtVerifier(std::vector<JwtIssuerKeys> issuers, const Clock* clock);

  // UNAUTHENTICATED saying which check failed ("JWT expired 90 s ago", "JWT signature does
  // not verify", ...), never quoting the token. Tokens without "exp" or "sub" are refused.
  StatusOr<VerifiedJwt> Verify(std::string_view token) const;

  const std::vector<JwtIssuerKeys>& issuers() const { return issuers_; }

 private:
  const std::vector<JwtIssuerKeys> issuers_;
  const Clock* const clock_;
};

// True when `signature` (for ES256 the JWS form: r and s, 32 bytes each) over `signed_data`
// verifies with `key` under `algorithm`.
bool VerifyJwtSignature(const JwtKey& key, JwtAlgorithm algorithm, std::string_view signed_data,
                        std::string_view signature);

}  // namespace kiln
