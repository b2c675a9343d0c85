// For tests: signing keys made on the spot with OpenSSL, their JWKS entries, and JWTs
// signed with them (or deliberately not), so that JWT verification is tested against real
// RS256 and ES256 signatures without key files in the tree. Test code only.
#pragma once

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "auth/base64.h"
#include "auth/jwks.h"

namespace kiln::testing {

class TestSigningKey {
 public:
  static TestSigningKey Rsa(std::string kid, size_t bits = 2048) {
    return TestSigningKey(JwtAlgorithm::kRs256, std::move(kid), EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", bits));
  }
  static TestSigningKey Ec(std::string kid) {
    return TestSigningKey(JwtAlgorithm::kEs256, std::move(kid), EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  }

  JwtAlgorithm algorithm() const { return algorithm_; }
  const std::string& kid() const { return kid_; }

  // The public key as a JWK object (without "kid" when the key has none).
  std::string Jwk() const {
    std::string kid = kid_.empty() ? "" : "\"kid\": \"" + kid_ + "\", ";
    if (algorithm_ == JwtAlgorithm::kRs256) {
      return "{" + kid + "\"kty\": \"RSA\", \"use\": \"sig\", \"n\": \"" + EncodeBase64Url(BnParam(OSSL_PKEY_PARAM_RSA_N)) +
             "\", \"e\": \"" + EncodeBase64Url(BnParam(OSSL_PKEY_PARAM_RSA_E)) + "\"}";
    }
    unsigned char point[65];
    size_t length = 0;
    if (EVP_PKEY_get_octet_string_param(key_.get(), OSSL_PKEY_PARAM_PUB_KEY, point, sizeof point, &length) != 1 ||
        length != 65) {
      std::abort();
    }
    std::string_view bytes(reinterpret_cast<char*>(point), length);
    return "{" + kid + "\"kty\": \"EC\", \"crv\": \"P-256\", \"x\": \"" + EncodeBase64Url(bytes.substr(1, 32)) +
           "\", \"y\": \"" + EncodeBase64Url(bytes.substr(33, 32)) + "\"}";
  }

  // The JWS signature of `data`: PKCS#1 v1.5 for RSA, r || s for EC.
  std::string Sign(std::string_view data) const {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    size_t length = 0;
    std::string der;
    if (EVP_DigestSignInit_ex(ctx, nullptr, "SHA256", nullptr, nullptr, key_.get(), nullptr) != 1 ||
        EVP_DigestSign(ctx, nullptr, &length, reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1) {
      std::abort();
    }
    der.resize(length);
    if (EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(der.data()), &length,
                       reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1) {
      std::abort();
    }
    der.resize(length);
    EVP_MD_CTX_free(ctx);
    if (algorithm_ == JwtAlgorithm::kRs256) return der;
    const unsigned char* in = reinterpret_cast<const unsigned char*>(der.data());
    ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &in, static_cast<long>(der.size()));
    std::string raw(64, '\0');
    BN_bn2binpad(ECDSA_SIG_get0_r(sig), reinterpret_cast<unsigned char*>(raw.data()), 32);
    BN_bn2binpad(ECDSA_SIG_get0_s(sig), reinterpret_cast<unsigned char*>(raw.data()) + 32, 32);
    ECDSA_SIG_free(sig);
    return raw;
  }

 private:
  TestSigningKey(JwtAlgorithm algorithm, std::string kid, EVP_PKEY* key)
      : algorithm_(algorithm), kid_(std::move(kid)), key_(key, EVP_PKEY_free) {
    if (key == nullptr) std::abort();
  }

  std::string BnParam(const char* name) const {
    BIGNUM* bn = nullptr;
    if (EVP_PKEY_get_bn_param(key_.get(), name, &bn) != 1) std::abort();
    std::string bytes(static_cast<size_t>(BN_num_bytes(bn)), '\0');
    BN_bn2bin(bn, reinterpret_cast<unsigned char*>(bytes.data()));
    BN_free(bn);
    return bytes;
  }

  JwtAlgorithm algorithm_;
  std::string kid_;
  std::shared_ptr<EVP_PKEY> key_;
};

inline std::string JwksOf(const std::vector<const TestSigningKey*>& keys) {
  std::string json = "{\"keys\": [";
  for (size_t i = 0; i < keys.size(); ++i) json += (i ? ", " : "") + keys[i]->Jwk();
  return json + "]}";
}

// A compact JWT of `header_json` and `payload_json` signed by `key`.
inline std::string SignJwt(const TestSigningKey& key, std::string_view header_json, std::string_view payload_json) {
  std::string input = EncodeBase64Url(header_json) + "." + EncodeBase64Url(payload_json);
  return input + "." + EncodeBase64Url(key.Sign(input));
}

// The usual header for `key`: its algorithm and, if it has one, its kid.
inline std::string HeaderFor(const TestSigningKey& key) {
  std::string header = "{\"alg\": \"" + std::string(JwtAlgorithmName(key.algorithm())) + "\", \"typ\": \"JWT\"";
  if (!key.kid().empty()) header += ", \"kid\": \"" + key.kid() + "\"";
  return header + "}";
}

}  // namespace kiln::testing
