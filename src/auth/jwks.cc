#include "auth/jwks.h"

#include <google/protobuf/util/json_util.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include "auth/base64.h"
#include "auth/message_text.h"
#include "kiln/config/v1/jwks.pb.h"

namespace kiln {
namespace {

using config::v1::JsonWebKey;

constexpr int kMinRsaBits = 2048;

struct BnFree {
  void operator()(BIGNUM* bn) const { BN_free(bn); }
};
using UniqueBn = std::unique_ptr<BIGNUM, BnFree>;

std::shared_ptr<EVP_PKEY> Shared(EVP_PKEY* key) { return std::shared_ptr<EVP_PKEY>(key, EVP_PKEY_free); }

// Builds a public key of `type` ("RSA", "EC") from OpenSSL parameters; null on failure.
EVP_PKEY* KeyFromParams(const char* type, OSSL_PARAM* params) {
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr);
  EVP_PKEY* key = nullptr;
  if (ctx == nullptr || EVP_PKEY_fromdata_init(ctx) != 1 ||
      EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params) != 1) {
    key = nullptr;
  }
  EVP_PKEY_CTX_free(ctx);
  return key;
}

StatusOr<std::shared_ptr<EVP_PKEY>> RsaKey(const JsonWebKey& jwk) {
  std::optional<std::string> n = DecodeBase64Url(jwk.n());
  std::optional<std::string> e = DecodeBase64Url(jwk.e());
  if (!n || !e || n->empty() || e->empty()) return Status::InvalidArgument("\"n\" or \"e\" is not base64url");
  UniqueBn modulus(BN_bin2bn(reinterpret_cast<const unsigned char*>(n->data()), static_cast<int>(n->size()), nullptr));
  UniqueBn exponent(BN_bin2bn(reinterpret_cast<const unsigned char*>(e->data()), static_cast<int>(e->size()), nullptr));
  if (!modulus || !exponent) return Status::Internal("out of memory");
  if (BN_num_bits(modulus.get()) < kMinRsaBits) {
    return Status::InvalidArgument("RSA modulus has " + std::to_string(BN_num_bits(modulus.get())) +
                                   " bits; at least " + std::to_string(kMinRsaBits) + " are required");
  }
  if (!BN_is_odd(exponent.get()) || BN_is_one(exponent.get())) return Status::InvalidArgument("bad RSA exponent");
  OSSL_PARAM_BLD* builder = OSSL_PARAM_BLD_new();
  OSSL_PARAM* params = nullptr;
  if (builder != nullptr && OSSL_PARAM_BLD_push_BN(builder, OSSL_PKEY_PARAM_RSA_N, modulus.get()) == 1 &&
      OSSL_PARAM_BLD_push_BN(builder, OSSL_PKEY_PARAM_RSA_E, exponent.get()) == 1) {
    params = OSSL_PARAM_BLD_to_param(builder);
  }
  EVP_PKEY* key = params != nullptr ? KeyFromParams("RSA", params) : nullptr;
  OSSL_PARAM_free(params);
  OSSL_PARAM_BLD_free(builder);
  if (key == nullptr) return Status::InvalidArgument("OpenSSL refused the RSA key");
  return Shared(key);
}

StatusOr<std::shared_ptr<EVP_PKEY>> EcKey(const JsonWebKey& jwk) {
  if (jwk.crv() != "P-256") return Status::InvalidArgument("curve " + QuoteForMessage(jwk.crv()) + " is not P-256");
  std::optional<std::string> x = DecodeBase64Url(jwk.x());
  std::optional<std::string> y = DecodeBase64Url(jwk.y());
  if (!x || !y || x->size() != 32 || y->size() != 32) {
    return Status::InvalidArgument("\"x\" and \"y\" must be 32 bytes of base64url each");
  }
  // The uncompressed SEC 1 point encoding. OpenSSL checks that the point is on the curve.
  std::string point = "\x04" + *x + *y;
  char group[] = "P-256";
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group, 0),
      OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()),
      OSSL_PARAM_construct_end(),
  };
  EVP_PKEY* key = KeyFromParams("EC", params);
  if (key == nullptr) return Status::InvalidArgument("not a point on P-256");
  return Shared(key);
}

std::string KeyLabel(int index, const JsonWebKey& jwk) {
  std::string label = "keys[" + std::to_string(index) + "]";
  if (!jwk.kid().empty()) label += " (kid " + QuoteForMessage(jwk.kid()) + ")";
  return label;
}

}  // namespace

std::string_view JwtAlgorithmName(JwtAlgorithm algorithm) {
  return algorithm == JwtAlgorithm::kRs256 ? "RS256" : "ES256";
}

StatusOr<std::vector<JwtKey>> ParseJwks(std::string_view json) {
  config::v1::JsonWebKeySet set;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;
  auto parsed = google::protobuf::util::JsonStringToMessage(std::string(json), &set, options);
  if (!parsed.ok()) return Status::InvalidArgument("not a JSON Web Key Set: " + std::string(parsed.message()));
  std::vector<JwtKey> keys;
  for (int i = 0; i < set.keys_size(); ++i) {
    const JsonWebKey& jwk = set.keys(i);
    if (!jwk.use().empty() && jwk.use() != "sig") continue;
    JwtKey key;
    key.kid = jwk.kid();
    StatusOr<std::shared_ptr<EVP_PKEY>> material = Status::Internal("unset");
    if (jwk.kty() == "RSA") {
      key.algorithm = JwtAlgorithm::kRs256;
      material = RsaKey(jwk);
    } else if (jwk.kty() == "EC") {
      key.algorithm = JwtAlgorithm::kEs256;
      material = EcKey(jwk);
    } else {
      continue;  // "oct", "OKP", ...: not algorithms kiln accepts.
    }
    if (!material.ok()) return material.status().WithContext(KeyLabel(i, jwk));
    if (!jwk.alg().empty() && jwk.alg() != JwtAlgorithmName(key.algorithm)) {
      // A key announced for another algorithm (RS512, PS256, ...) must not be used for ours.
      continue;
    }
    key.key = std::move(material).value();
    keys.push_back(std::move(key));
  }
  if (keys.empty()) return Status::InvalidArgument("no RSA or EC P-256 signing key in the key set");
  return keys;
}

}  // namespace kiln
