// Reads the auth file (JSON, proto/kiln/config/v1/auth.proto; docs/auth-file.md) into the
// indexes authentication needs, validating everything first: an auth file either loads
// whole or not at all. Errors are INVALID_ARGUMENT saying where (principal, field, index)
// and never quoting a token hash or any other secret-looking value.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "auth/jwt_verifier.h"
#include "auth/principal.h"
#include "auth/token_digest.h"
#include "common/status.h"

namespace kiln {

struct AuthConfig {
  using PrincipalPtr = std::shared_ptr<const Principal>;

  // Every principal the file names, in file order.
  std::vector<PrincipalPtr> principals;
  // Calls without credentials; its grants may be empty.
  PrincipalPtr anonymous;
  // SHA-256 of each bearer token (also each Basic password) to its principal.
  std::unordered_map<TokenDigest, PrincipalPtr, TokenDigestHash> by_token;
  std::unordered_map<std::string, PrincipalPtr> by_certificate_name;
  std::unordered_map<std::string, PrincipalPtr> by_jwt_subject;
  // Issuers with their keys, and the grants of their otherwise unlisted subjects (same order).
  std::vector<JwtIssuerKeys> jwt_issuers;
  std::vector<std::vector<Grant>> jwt_issuer_grants;
  // The JWKS files read, as opened (relative names resolved), for change detection.
  std::vector<std::string> jwks_files;
};

// Parses `json`. Relative JWKS file names are resolved against `base_dir` (the auth file's
// directory; "" for the working directory).
StatusOr<AuthConfig> ParseAuthConfig(std::string_view json, const std::string& base_dir);

}  // namespace kiln
