#include "auth/token_digest.h"

#include <openssl/evp.h>

#include <cstdlib>

#include "common/hex_digit.h"

namespace kiln {
namespace {

// Fetched once: OpenSSL 3 would otherwise look the implementation up on every call, which
// costs more than hashing a token.
const EVP_MD* Sha256() {
  static EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  if (md == nullptr) std::abort();
  return md;
}

}  // namespace

TokenDigest Sha256Token(std::string_view secret) {
  // One context per thread, reused (and freed when the thread ends): allocating one per
  // call was a third of the cost of authenticating a bearer token.
  struct ThreadContext {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    ~ThreadContext() { EVP_MD_CTX_free(ctx); }
  };
  thread_local ThreadContext context;
  EVP_MD_CTX* ctx = context.ctx;
  TokenDigest digest;
  unsigned int length = 0;
  if (ctx == nullptr || EVP_DigestInit_ex2(ctx, Sha256(), nullptr) != 1 ||
      EVP_DigestUpdate(ctx, secret.data(), secret.size()) != 1 ||
      EVP_DigestFinal_ex(ctx, digest.data(), &length) != 1 || length != digest.size()) {
    std::abort();  // Only on allocation failure inside OpenSSL.
  }
  return digest;
}

std::string TokenDigestHex(const TokenDigest& digest) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(digest.size() * 2);
  for (uint8_t byte : digest) {
    out += kHex[byte >> 4];
    out += kHex[byte & 0xf];
  }
  return out;
}

std::optional<TokenDigest> ParseTokenDigestHex(std::string_view hex) {
  TokenDigest digest;
  if (hex.size() != digest.size() * 2) return std::nullopt;
  for (size_t i = 0; i < digest.size(); ++i) {
    int high = HexDigitValue(hex[2 * i]);
    int low = HexDigitValue(hex[2 * i + 1]);
    if (high < 0 || low < 0) return std::nullopt;
    digest[i] = static_cast<uint8_t>(high << 4 | low);
  }
  return digest;
}

}  // namespace kiln
