#include "auth/jwt_token.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <cmath>

#include "auth/base64.h"
#include "auth/message_text.h"

namespace kiln {
namespace {

using google::protobuf::Struct;
using google::protobuf::Value;

Status Unauthenticated(std::string message) { return Status(StatusCode::kUnauthenticated, std::move(message)); }

// Decodes one base64url part and parses it as a JSON object. Duplicate members are refused
// by the parser, so a claim cannot be given twice with two meanings.
StatusOr<Struct> DecodeJsonPart(std::string_view part, std::string_view what) {
  std::optional<std::string> json = DecodeBase64Url(part);
  if (!json) return Unauthenticated("JWT " + std::string(what) + " is not base64url");
  Struct object;
  if (!google::protobuf::util::JsonStringToMessage(*json, &object).ok()) {
    return Unauthenticated("JWT " + std::string(what) + " is not a JSON object");
  }
  return object;
}

const Value* Member(const Struct& object, const std::string& name) {
  auto it = object.fields().find(name);
  return it == object.fields().end() ? nullptr : &it->second;
}

Status ReadString(const Struct& object, const std::string& name, std::string& out) {
  const Value* value = Member(object, name);
  if (value == nullptr) return Status::Ok();
  if (value->kind_case() != Value::kStringValue) return Unauthenticated("JWT claim \"" + name + "\" is not a string");
  out = value->string_value();
  return Status::Ok();
}

// NumericDate: seconds since the epoch, possibly fractional (the fraction is dropped).
Status ReadTime(const Struct& object, const std::string& name, std::optional<int64_t>& out) {
  const Value* value = Member(object, name);
  if (value == nullptr) return Status::Ok();
  // Beyond the year 10000 either way is nonsense, and would overflow time arithmetic.
  constexpr double kLimit = 253'402'300'800.0;
  if (value->kind_case() != Value::kNumberValue || !(std::fabs(value->number_value()) < kLimit)) {
    return Unauthenticated("JWT claim \"" + name + "\" is not a time");
  }
  out = static_cast<int64_t>(std::floor(value->number_value()));
  return Status::Ok();
}

Status ReadAudiences(const Struct& object, std::vector<std::string>& out) {
  const Value* value = Member(object, "aud");
  if (value == nullptr) return Status::Ok();
  if (value->kind_case() == Value::kStringValue) {
    out.push_back(value->string_value());
    return Status::Ok();
  }
  if (value->kind_case() == Value::kListValue) {
    for (const Value& each : value->list_value().values()) {
      if (each.kind_case() != Value::kStringValue) break;
      out.push_back(each.string_value());
    }
    if (static_cast<int>(out.size()) == value->list_value().values_size()) return Status::Ok();
  }
  return Unauthenticated("JWT claim \"aud\" is neither a string nor a list of strings");
}

Status ReadHeader(const Struct& header, ParsedJwt& jwt) {
  const Value* alg = Member(header, "alg");
  if (alg == nullptr || alg->kind_case() != Value::kStringValue) return Unauthenticated("JWT header has no \"alg\"");
  if (alg->string_value() == "RS256") {
    jwt.algorithm = JwtAlgorithm::kRs256;
  } else if (alg->string_value() == "ES256") {
    jwt.algorithm = JwtAlgorithm::kEs256;
  } else {
    return Unauthenticated("JWT algorithm " + QuoteForMessage(alg->string_value(), 20) +
                           " is not accepted (only RS256 and ES256 are)");
  }
  // Extensions the token says must be understood: kiln understands none.
  if (Member(header, "crit") != nullptr) return Unauthenticated("JWT header has critical extensions (\"crit\")");
  if (const Value* kid = Member(header, "kid")) {
    if (kid->kind_case() != Value::kStringValue) return Unauthenticated("JWT header \"kid\" is not a string");
    jwt.kid = kid->string_value();
  }
  return Status::Ok();
}

}  // namespace

bool LooksLikeJwt(std::string_view token) { return std::count(token.begin(), token.end(), '.') == 2; }

StatusOr<ParsedJwt> ParseJwt(std::string_view token) {
  if (token.size() > kMaxJwtBytes) return Unauthenticated("JWT is longer than " + std::to_string(kMaxJwtBytes) + " bytes");
  size_t first = token.find('.');
  size_t second = first == std::string_view::npos ? first : token.find('.', first + 1);
  if (second == std::string_view::npos || token.find('.', second + 1) != std::string_view::npos) {
    return Unauthenticated("JWT is not three dot-separated parts");
  }
  ParsedJwt jwt;
  StatusOr<Struct> header = DecodeJsonPart(token.substr(0, first), "header");
  if (!header.ok()) return header.status();
  KILN_RETURN_IF_ERROR(ReadHeader(*header, jwt));
  StatusOr<Struct> payload = DecodeJsonPart(token.substr(first + 1, second - first - 1), "payload");
  if (!payload.ok()) return payload.status();
  KILN_RETURN_IF_ERROR(ReadString(*payload, "iss", jwt.claims.issuer));
  KILN_RETURN_IF_ERROR(ReadString(*payload, "sub", jwt.claims.subject));
  KILN_RETURN_IF_ERROR(ReadAudiences(*payload, jwt.claims.audiences));
  KILN_RETURN_IF_ERROR(ReadTime(*payload, "exp", jwt.claims.expires));
  KILN_RETURN_IF_ERROR(ReadTime(*payload, "nbf", jwt.claims.not_before));
  std::optional<std::string> signature = DecodeBase64Url(token.substr(second + 1));
  if (!signature || signature->empty()) return Unauthenticated("JWT signature is not base64url");
  jwt.signature = std::move(*signature);
  jwt.signing_input = token.substr(0, second);
  return jwt;
}

}  // namespace kiln
