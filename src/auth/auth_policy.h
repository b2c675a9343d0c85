// One loaded auth file: turns what a caller presented (credentials.h) into a principal
// (principal.h), whose grants Authorize then checks. Immutable once built, apart from its
// cache of verified JWTs; thread-safe. A new auth file makes a new AuthPolicy
// (auth_policy_source.h swaps them).
//
// Authentication, in this order:
//   1. a client certificate name listed under some principal's certificate_names;
//   2. `authorization: Bearer TOKEN`: a principal listing SHA-256(TOKEN) in token_sha256,
//      else, if TOKEN is a JWT and issuers are configured, a verified JWT (its subject's
//      principal, or "ISSUER#SUBJECT" with the issuer's grants);
//   3. `authorization: Basic base64(USER:PASSWORD)`: the principal named USER, if it lists
//      SHA-256(PASSWORD) in token_sha256 (what Bazel sends for a .netrc entry).
// No credentials at all: the anonymous principal. Credentials that do not authenticate
// (including a client certificate no principal lists, when no header is sent):
// UNAUTHENTICATED saying which scheme failed, never quoting the secret.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "auth/auth_file.h"
#include "auth/credentials.h"
#include "auth/jwt_cache.h"
#include "auth/jwt_verifier.h"
#include "auth/principal.h"
#include "common/clock.h"
#include "common/status.h"

namespace kiln {

class AuthPolicy {
 public:
  struct Options {
    const Clock* clock = SystemClock::Get();  // For JWT times; must outlive the policy.
    size_t jwt_cache_entries = 10'000;
  };

  // Reads and validates the auth file at `path` and the JWKS files it names.
  // INVALID_ARGUMENT (or NOT_FOUND for a missing auth file) saying what is wrong where.
  static StatusOr<std::shared_ptr<const AuthPolicy>> LoadFile(const std::string& path, const Options& options);
  // The same from the file's text; relative JWKS names are resolved against `base_dir`.
  static StatusOr<std::shared_ptr<const AuthPolicy>> Parse(std::string_view json, const std::string& base_dir,
                                                           const Options& options);

  StatusOr<std::shared_ptr<const Principal>> Authenticate(const Credentials& credentials) const;

  // The JWKS files this policy was built from (watched for changes with the auth file).
  const std::vector<std::string>& jwks_files() const { return config_.jwks_files; }
  const AuthConfig& config() const { return config_; }

  AuthPolicy(AuthConfig config, const Options& options);  // Use LoadFile or Parse.

 private:
  StatusOr<std::shared_ptr<const Principal>> AuthenticateBearer(std::string_view token) const;
  StatusOr<std::shared_ptr<const Principal>> AuthenticateBasic(std::string_view encoded) const;
  StatusOr<std::shared_ptr<const Principal>> AuthenticateJwt(std::string_view token, const TokenDigest& digest) const;

  const AuthConfig config_;
  const Clock* const clock_;
  const JwtVerifier jwt_verifier_;
  mutable JwtCache jwt_cache_;
};

}  // namespace kiln
