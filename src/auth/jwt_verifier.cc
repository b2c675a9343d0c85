#include "auth/jwt_verifier.h"

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>

#include <algorithm>

#include "auth/jwt_token.h"
#include "auth/message_text.h"

namespace kiln {
namespace {

Status Unauthenticated(std::string message) { return Status(StatusCode::kUnauthenticated, std::move(message)); }

// JWS carries an ECDSA signature as r || s; OpenSSL verifies the DER encoding.
std::string EcdsaRawToDer(std::string_view raw) {
  if (raw.size() != 64) return "";
  ECDSA_SIG* sig = ECDSA_SIG_new();
  BIGNUM* r = BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()), 32, nullptr);
  BIGNUM* s = BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()) + 32, 32, nullptr);
  std::string der;
  if (sig != nullptr && r != nullptr && s != nullptr && ECDSA_SIG_set0(sig, r, s) == 1) {
    r = s = nullptr;  // Owned by sig now.
    unsigned char* out = nullptr;
    int length = i2d_ECDSA_SIG(sig, &out);
    if (length > 0) der.assign(reinterpret_cast<char*>(out), static_cast<size_t>(length));
    OPENSSL_free(out);
  }
  BN_free(r);
  BN_free(s);
  ECDSA_SIG_free(sig);
  return der;
}

// The key "kid" names, of the token's algorithm; without a kid, the issuer's only key of
// that algorithm.
StatusOr<const JwtKey*> SelectKey(const JwtIssuerKeys& issuer, JwtAlgorithm algorithm,
                                  const std::optional<std::string>& kid) {
  const JwtKey* found = nullptr;
  int candidates = 0;
  for (const JwtKey& key : issuer.keys) {
    if (key.algorithm != algorithm) continue;
    if (kid) {
      if (key.kid == *kid) return &key;
    } else {
      found = &key;
      ++candidates;
    }
  }
  if (kid) {
    return Unauthenticated("JWT key id " + QuoteForMessage(*kid, 64) + " names no " +
                           std::string(JwtAlgorithmName(algorithm)) + " key of issuer " +
                           QuoteForMessage(issuer.issuer));
  }
  if (candidates != 1) {
    return Unauthenticated("JWT has no key id and issuer " + QuoteForMessage(issuer.issuer) + " has " +
                           std::to_string(candidates) + " " + std::string(JwtAlgorithmName(algorithm)) + " keys");
  }
  return found;
}

Status CheckAudience(const JwtIssuerKeys& issuer, const std::vector<std::string>& audiences) {
  for (const std::string& audience : audiences) {
    if (std::find(issuer.audiences.begin(), issuer.audiences.end(), audience) != issuer.audiences.end()) {
      return Status::Ok();
    }
  }
  if (audiences.empty()) return Unauthenticated("JWT has no audience (\"aud\")");
  return Unauthenticated("JWT audience " + QuoteForMessage(audiences.front()) +
                         (audiences.size() > 1 ? " (and others)" : "") + " is not one kiln accepts from issuer " +
                         QuoteForMessage(issuer.issuer));
}

}  // namespace

bool VerifyJwtSignature(const JwtKey& key, JwtAlgorithm algorithm, std::string_view signed_data,
                        std::string_view signature) {
  if (key.algorithm != algorithm || !key.key) return false;
  std::string der;
  if (algorithm == JwtAlgorithm::kEs256) {
    der = EcdsaRawToDer(signature);
    if (der.empty()) return false;
    signature = der;
  }
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  bool ok = ctx != nullptr && EVP_DigestVerifyInit_ex(ctx, nullptr, "SHA256", nullptr, nullptr, key.key.get(), nullptr) == 1 &&
            EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                             reinterpret_cast<const unsigned char*>(signed_data.data()), signed_data.size()) == 1;
  EVP_MD_CTX_free(ctx);
  return ok;
}

JwtVerifier::JwtVerifier(std::vector<JwtIssuerKeys> issuers, const Clock* clock)
    : issuers_(std::move(issuers)), clock_(clock) {}

StatusOr<VerifiedJwt> JwtVerifier::Verify(std::string_view token) const {
  StatusOr<ParsedJwt> parsed = ParseJwt(token);
  if (!parsed.ok()) return parsed.status();
  const JwtClaims& claims = parsed->claims;
  auto issuer = std::find_if(issuers_.begin(), issuers_.end(),
                             [&](const JwtIssuerKeys& each) { return each.issuer == claims.issuer; });
  if (issuer == issuers_.end()) return Unauthenticated("JWT issuer " + QuoteForMessage(claims.issuer) + " is not trusted");
  StatusOr<const JwtKey*> key = SelectKey(*issuer, parsed->algorithm, parsed->kid);
  if (!key.ok()) return key.status();
  if (!VerifyJwtSignature(**key, parsed->algorithm, parsed->signing_input, parsed->signature)) {
    return Unauthenticated("JWT signature does not verify with issuer " + QuoteForMessage(issuer->issuer) + "'s key");
  }
  // From here on the claims are the issuer's word.
  KILN_RETURN_IF_ERROR(CheckAudience(*issuer, claims.audiences));
  if (!claims.expires) return Unauthenticated("JWT has no expiry (\"exp\")");
  if (claims.subject.empty()) return Unauthenticated("JWT has no subject (\"sub\")");
  const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(clock_->WallNow().time_since_epoch()).count();
  const int64_t leeway = kClockLeeway.count();
  if (now > *claims.expires + leeway) {
    return Unauthenticated("JWT for subject " + QuoteForMessage(claims.subject) + " expired " +
                           std::to_string(now - *claims.expires) + " s ago");
  }
  if (claims.not_before && now + leeway < *claims.not_before) {
    return Unauthenticated("JWT for subject " + QuoteForMessage(claims.subject) + " is not valid for another " +
                           std::to_string(*claims.not_before - now) + " s");
  }
  VerifiedJwt verified;
  verified.issuer_index = static_cast<size_t>(issuer - issuers_.begin());
  verified.subject = claims.subject;
  verified.expires = WallTimePoint(std::chrono::seconds(*claims.expires + leeway));
  return verified;
}

}  // namespace kiln
