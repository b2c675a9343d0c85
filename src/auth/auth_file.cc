#include "auth/auth_file.h"

#include <google/protobuf/util/json_util.h>

#include "auth/message_text.h"
#include "common/file_util.h"
#include "kiln/config/v1/auth.pb.h"

namespace kiln {
namespace {

namespace proto = config::v1;
using GrantList = google::protobuf::RepeatedPtrField<proto::Grant>;

Status Invalid(const std::string& where, const std::string& what) { return Status::InvalidArgument(where + ": " + what); }

// Patterns are whole path segments: a slash at either end or two together would make a
// pattern that silently covers nothing.
Status ValidateInstancePattern(const std::string& pattern) {
  if (pattern.empty()) return Status::Ok();
  if (pattern.front() == '/' || pattern.back() == '/' || pattern.find("//") != std::string::npos) {
    return Status::InvalidArgument("instance pattern " + QuoteForMessage(pattern) +
                                   " must not start or end with '/' or contain \"//\"");
  }
  return Status::Ok();
}

StatusOr<Grant> ParseGrant(const proto::Grant& source, const std::string& where) {
  Grant grant;
  if (source.permissions().empty()) return Invalid(where, "no permissions");
  for (int i = 0; i < source.permissions_size(); ++i) {
    std::optional<Permission> permission = ParsePermission(source.permissions(i));
    if (!permission) {
      return Invalid(where + ".permissions[" + std::to_string(i) + "]",
                     "unknown permission " + QuoteForMessage(source.permissions(i), 40));
    }
    grant.permissions.Add(*permission);
  }
  if (source.has_instances()) {
    grant.restricted_to_instances = true;
    if (source.instances().values().empty()) {
      return Invalid(where, "\"instances\" is empty (leave it out to grant every instance)");
    }
    for (int i = 0; i < source.instances().values_size(); ++i) {
      const auto& value = source.instances().values(i);
      std::string item = where + ".instances[" + std::to_string(i) + "]";
      if (value.kind_case() != google::protobuf::Value::kStringValue) return Invalid(item, "not a string");
      KILN_RETURN_IF_ERROR(ValidateInstancePattern(value.string_value()).WithContext(item));
      grant.instances.push_back(value.string_value());
    }
  }
  return grant;
}

StatusOr<std::vector<Grant>> ParseGrants(const GrantList& source, const std::string& where) {
  std::vector<Grant> grants;
  for (int i = 0; i < source.size(); ++i) {
    StatusOr<Grant> grant = ParseGrant(source[i], where + ": grants[" + std::to_string(i) + "]");
    if (!grant.ok()) return grant.status();
    grants.push_back(std::move(grant).value());
  }
  return grants;
}

Status ValidatePrincipalName(const std::string& name, const std::string& where) {
  if (name.empty()) return Invalid(where, "\"name\" is missing");
  if (name.find('#') != std::string::npos) {
    return Invalid(where, "name " + QuoteForMessage(name) + " contains '#' (reserved for JWT ISSUER#SUBJECT names)");
  }
  if (name == kAnonymousPrincipalName) {
    return Invalid(where, "the name \"anonymous\" is reserved (use the \"anonymous\" section)");
  }
  return Status::Ok();
}

// Adds each of `keys` to `index` for `principal`; a key another principal (or this one)
// already has is an error naming both, but not the key when it is secret-like.
template <typename Map, typename Key>
Status AddUnique(Map& index, const Key& key, const AuthConfig::PrincipalPtr& principal, const std::string& where) {
  auto [it, inserted] = index.emplace(key, principal);
  if (inserted) return Status::Ok();
  return Invalid(where, "already listed under principal " + QuoteForMessage(it->second->name));
}

Status AddPrincipal(const proto::Principal& source, int index, AuthConfig& config) {
  std::string where = "principals[" + std::to_string(index) + "]";
  KILN_RETURN_IF_ERROR(ValidatePrincipalName(source.name(), where));
  where = "principal " + QuoteForMessage(source.name());
  for (const auto& existing : config.principals) {
    if (existing->name == source.name()) return Invalid(where, "a principal of that name is already defined");
  }
  auto principal = std::make_shared<Principal>();
  principal->name = source.name();
  StatusOr<std::vector<Grant>> grants = ParseGrants(source.grants(), where);
  if (!grants.ok()) return grants.status();
  principal->grants = std::move(grants).value();
  for (int i = 0; i < source.token_sha256_size(); ++i) {
    std::string field = where + ": token_sha256[" + std::to_string(i) + "]";
    std::optional<TokenDigest> digest = ParseTokenDigestHex(source.token_sha256(i));
    // Never quoted: someone may have pasted the token itself here.
    if (!digest) return Invalid(field, "not 64 hex characters (the SHA-256 of the token; see `kiln auth hash-token`)");
    KILN_RETURN_IF_ERROR(AddUnique(config.by_token, *digest, principal, field));
  }
  for (int i = 0; i < source.certificate_names_size(); ++i) {
    std::string field = where + ": certificate_names[" + std::to_string(i) + "]";
    if (source.certificate_names(i).empty()) return Invalid(field, "empty");
    KILN_RETURN_IF_ERROR(AddUnique(config.by_certificate_name, source.certificate_names(i), principal, field));
  }
  for (int i = 0; i < source.jwt_subjects_size(); ++i) {
    std::string field = where + ": jwt_subjects[" + std::to_string(i) + "]";
    if (source.jwt_subjects(i).empty()) return Invalid(field, "empty");
    KILN_RETURN_IF_ERROR(AddUnique(config.by_jwt_subject, source.jwt_subjects(i), principal, field));
  }
  config.principals.push_back(std::move(principal));
  return Status::Ok();
}

std::string ResolvePath(const std::string& path, const std::string& base_dir) {
  if (path.front() == '/' || base_dir.empty()) return path;
  return base_dir + "/" + path;
}

Status AddIssuer(const proto::JwtIssuer& source, int index, const std::string& base_dir, AuthConfig& config) {
  std::string where = "jwt_issuers[" + std::to_string(index) + "]";
  if (source.issuer().empty()) return Invalid(where, "\"issuer\" is missing");
  where += " (" + QuoteForMessage(source.issuer()) + ")";
  for (const JwtIssuerKeys& existing : config.jwt_issuers) {
    if (existing.issuer == source.issuer()) return Invalid(where, "issuer listed twice");
  }
  if (source.audiences().empty()) return Invalid(where, "\"audiences\" is empty (name at least the audience kiln's tokens carry)");
  if (source.jwks_file().empty()) return Invalid(where, "\"jwks_file\" is missing");
  std::string path = ResolvePath(source.jwks_file(), base_dir);
  StatusOr<std::string> jwks = ReadSmallFile(path);
  if (!jwks.ok()) return Invalid(where + ": jwks_file", jwks.status().message());
  StatusOr<std::vector<JwtKey>> keys = ParseJwks(*jwks);
  if (!keys.ok()) return Invalid(where + ": jwks_file " + QuoteForMessage(path), keys.status().message());
  StatusOr<std::vector<Grant>> grants = ParseGrants(source.grants(), where);
  if (!grants.ok()) return grants.status();
  JwtIssuerKeys issuer;
  issuer.issuer = source.issuer();
  issuer.audiences.assign(source.audiences().begin(), source.audiences().end());
  issuer.keys = std::move(keys).value();
  config.jwt_issuers.push_back(std::move(issuer));
  config.jwt_issuer_grants.push_back(std::move(grants).value());
  config.jwks_files.push_back(path);
  return Status::Ok();
}

}  // namespace

StatusOr<AuthConfig> ParseAuthConfig(std::string_view json, const std::string& base_dir) {
  proto::AuthFile file;
  // Unknown fields are errors (the default): a misspelt "instance" must not silently widen
  // a grant to every instance.
  auto parsed = google::protobuf::util::JsonStringToMessage(std::string(json), &file);
  if (!parsed.ok()) return Status::InvalidArgument("auth file is not valid: " + std::string(parsed.message()));
  AuthConfig config;
  for (int i = 0; i < file.jwt_issuers_size(); ++i) {
    KILN_RETURN_IF_ERROR(AddIssuer(file.jwt_issuers(i), i, base_dir, config));
  }
  for (int i = 0; i < file.principals_size(); ++i) {
    KILN_RETURN_IF_ERROR(AddPrincipal(file.principals(i), i, config));
  }
  if (!config.by_jwt_subject.empty() && config.jwt_issuers.empty()) {
    return Status::InvalidArgument("principals name jwt_subjects but no jwt_issuers are configured");
  }
  auto anonymous = std::make_shared<Principal>();
  anonymous->name = std::string(kAnonymousPrincipalName);
  StatusOr<std::vector<Grant>> grants = ParseGrants(file.anonymous().grants(), "anonymous");
  if (!grants.ok()) return grants.status();
  anonymous->grants = std::move(grants).value();
  config.anonymous = std::move(anonymous);
  return config;
}

}  // namespace kiln
