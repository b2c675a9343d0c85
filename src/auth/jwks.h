// Signing keys of a JWT issuer, read from a JSON Web Key Set (RFC 7517): RSA keys (for
// RS256, at least 2048 bits) and EC P-256 keys (for ES256). Keys of other types, and keys
// marked for another use than signing, are skipped; a set left without any key is an error.
#pragma once

#include <openssl/types.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace kiln {

enum class JwtAlgorithm : uint8_t { kRs256, kEs256 };

std::string_view JwtAlgorithmName(JwtAlgorithm algorithm);

struct JwtKey {
  std::string kid;  // May be empty.
  JwtAlgorithm algorithm = JwtAlgorithm::kRs256;
  std::shared_ptr<EVP_PKEY> key;  // Public key; immutable, so shared between threads.
};

// INVALID_ARGUMENT naming the key (by index and kid) whose material is malformed.
StatusOr<std::vector<JwtKey>> ParseJwks(std::string_view json);

}  // namespace kiln
