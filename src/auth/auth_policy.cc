#include "auth/auth_policy.h"

#include "auth/base64.h"
#include "auth/jwt_token.h"
#include "auth/message_text.h"
#include "common/file_util.h"

namespace kiln {
namespace {

using PrincipalResult = StatusOr<std::shared_ptr<const Principal>>;

Status Unauthenticated(std::string message) { return Status(StatusCode::kUnauthenticated, std::move(message)); }

std::string_view TrimSpaces(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// Schemes are case-insensitive (RFC 9110).
bool SchemeIs(std::string_view scheme, std::string_view expected) {
  if (scheme.size() != expected.size()) return false;
  for (size_t i = 0; i < scheme.size(); ++i) {
    char c = scheme[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != expected[i]) return false;
  }
  return true;
}

std::string DirectoryOf(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return "";
  return slash == 0 ? "/" : path.substr(0, slash);
}

}  // namespace

StatusOr<std::shared_ptr<const AuthPolicy>> AuthPolicy::LoadFile(const std::string& path, const Options& options) {
  StatusOr<std::string> text = ReadSmallFile(path);
  if (!text.ok()) return text.status().WithContext("reading auth file");
  StatusOr<std::shared_ptr<const AuthPolicy>> policy = Parse(*text, DirectoryOf(path), options);
  if (!policy.ok()) return policy.status().WithContext("auth file " + path);
  return policy;
}

StatusOr<std::shared_ptr<const AuthPolicy>> AuthPolicy::Parse(std::string_view json, const std::string& base_dir,
                                                              const Options& options) {
  StatusOr<AuthConfig> config = ParseAuthConfig(json, base_dir);
  if (!config.ok()) return config.status();
  return std::make_shared<const AuthPolicy>(std::move(config).value(), options);
}

AuthPolicy::AuthPolicy(AuthConfig config, const Options& options)
    : config_(std::move(config)),
      clock_(options.clock),
      jwt_verifier_(config_.jwt_issuers, options.clock),
      jwt_cache_(options.jwt_cache_entries) {}

PrincipalResult AuthPolicy::Authenticate(const Credentials& credentials) const {
  for (const std::string& name : credentials.certificate_names) {
    auto it = config_.by_certificate_name.find(name);
    if (it != config_.by_certificate_name.end()) return it->second;
  }
  if (credentials.authorization) {
    std::string_view header = TrimSpaces(*credentials.authorization);
    size_t space = header.find(' ');
    std::string_view scheme = header.substr(0, space);
    std::string_view value = space == std::string_view::npos ? "" : TrimSpaces(header.substr(space + 1));
    if (SchemeIs(scheme, "bearer")) return AuthenticateBearer(value);
    if (SchemeIs(scheme, "basic")) return AuthenticateBasic(value);
    // Not quoted: a header without a scheme would be the bare secret.
    return Unauthenticated("authorization header is neither \"Bearer\" nor \"Basic\" credentials");
  }
  if (!credentials.certificate_names.empty()) {
    std::string names;
    for (const std::string& name : credentials.certificate_names) {
      names += (names.empty() ? "" : ", ") + QuoteForMessage(name);
    }
    return Unauthenticated("client certificate (" + names + ") matches no principal");
  }
  return config_.anonymous;
}

PrincipalResult AuthPolicy::AuthenticateBearer(std::string_view token) const {
  if (token.empty()) return Unauthenticated("bearer token is empty");
  const TokenDigest digest = Sha256Token(token);
  auto it = config_.by_token.find(digest);
  if (it != config_.by_token.end()) return it->second;
  if (!config_.jwt_issuers.empty() && LooksLikeJwt(token)) return AuthenticateJwt(token, digest);
  return Unauthenticated("bearer token not recognised");
}

PrincipalResult AuthPolicy::AuthenticateJwt(std::string_view token, const TokenDigest& digest) const {
  const WallTimePoint now = clock_->WallNow();
  if (std::shared_ptr<const Principal> cached = jwt_cache_.Find(digest, now)) return cached;
  StatusOr<VerifiedJwt> verified = jwt_verifier_.Verify(token);
  if (!verified.ok()) return verified.status();
  std::shared_ptr<const Principal> principal;
  auto listed = config_.by_jwt_subject.find(verified->subject);
  if (listed != config_.by_jwt_subject.end()) {
    principal = listed->second;
  } else {
    auto unlisted = std::make_shared<Principal>();
    unlisted->name = config_.jwt_issuers[verified->issuer_index].issuer + "#" + verified->subject;
    unlisted->grants = config_.jwt_issuer_grants[verified->issuer_index];
    principal = std::move(unlisted);
  }
  jwt_cache_.Insert(digest, principal, verified->expires, now);
  return principal;
}

PrincipalResult AuthPolicy::AuthenticateBasic(std::string_view encoded) const {
  std::optional<std::string> decoded = DecodeBase64(encoded);
  if (!decoded) return Unauthenticated("basic credentials are not base64");
  size_t colon = decoded->find(':');
  if (colon == std::string::npos) return Unauthenticated("basic credentials have no ':' between user and password");
  std::string_view user = std::string_view(*decoded).substr(0, colon);
  std::string_view password = std::string_view(*decoded).substr(colon + 1);
  // The same answer for an unknown user and a wrong password, so that user names cannot
  // be probed.
  auto it = config_.by_token.find(Sha256Token(password));
  if (password.empty() || it == config_.by_token.end() || it->second->name != user) {
    return Unauthenticated("basic credentials for user " + QuoteForMessage(user, 64) + " rejected");
  }
  return it->second;
}

}  // namespace kiln
