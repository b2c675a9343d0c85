#include "asset/qualifiers.h"

#include <algorithm>
#include <cctype>
#include <set>

namespace kiln {
namespace {

constexpr std::string_view kHeaderPrefix = "http_header:";
constexpr std::string_view kUriHeaderPrefix = "http_header_url:";

bool IsHeaderNameChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

Status ValidateHeader(const std::string& qualifier, std::string_view name, std::string_view value) {
  if (name.empty() || !std::all_of(name.begin(), name.end(), IsHeaderNameChar)) {
    return Status::InvalidArgument("qualifier \"" + qualifier + "\": \"" + std::string(name) +
                                   "\" is not a valid HTTP header name");
  }
  if (value.find_first_of("\r\n") != std::string_view::npos || value.find('\0') != std::string_view::npos) {
    return Status::InvalidArgument("qualifier \"" + qualifier + "\": the header value contains a line break or NUL");
  }
  return Status::Ok();
}

bool IsHex(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)) || (c >= 'a' && c <= 'f'); });
}

// Git refuses these in branch names; rejecting them here also keeps a value from ever
// reading as a command-line option.
Status ValidateBranch(std::string_view branch) {
  if (branch.empty() || branch.front() == '-' || branch.find("..") != std::string_view::npos ||
      branch.find_first_of(" ~^:?*[\\\t\n\r") != std::string_view::npos) {
    return Status::InvalidArgument("vcs.branch \"" + std::string(branch) + "\" is not a valid git branch name");
  }
  return Status::Ok();
}

// "http_header_url:3:Authorization" -> index 3, name "Authorization".
Status AddUriHeader(const asset_proto::Qualifier& qualifier, ParsedQualifiers& parsed) {
  std::string_view rest = std::string_view(qualifier.name()).substr(kUriHeaderPrefix.size());
  size_t colon = rest.find(':');
  std::string_view index_text = rest.substr(0, colon);
  if (colon == std::string_view::npos || index_text.empty() || index_text.size() > 6 ||
      !std::all_of(index_text.begin(), index_text.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
    return Status::InvalidArgument("qualifier \"" + qualifier.name() + "\" is not of the form http_header_url:INDEX:NAME");
  }
  std::string_view name = rest.substr(colon + 1);
  KILN_RETURN_IF_ERROR(ValidateHeader(qualifier.name(), name, qualifier.value()));
  parsed.headers_for_uri[std::stoi(std::string(index_text))].emplace_back(name, qualifier.value());
  return Status::Ok();
}

// Handles one qualifier kiln knows; false if it does not know the name.
StatusOr<bool> ParseKnown(const asset_proto::Qualifier& qualifier, AssetKind kind, ParsedQualifiers& parsed) {
  const std::string& name = qualifier.name();
  if (name.starts_with(kHeaderPrefix)) {
    std::string_view header = std::string_view(name).substr(kHeaderPrefix.size());
    KILN_RETURN_IF_ERROR(ValidateHeader(name, header, qualifier.value()));
    parsed.headers.emplace_back(header, qualifier.value());
    return true;
  }
  if (name.starts_with(kUriHeaderPrefix)) {
    KILN_RETURN_IF_ERROR(AddUriHeader(qualifier, parsed));
    return true;
  }
  if (name == "checksum.sri") {
    auto sri = ParseSri(qualifier.value());
    if (!sri.ok()) return sri.status();
    parsed.checksum = std::move(sri).value();
    return true;
  }
  if (name == "bazel.canonical_id") return true;
  if (kind == AssetKind::kBlob) return false;
  if (name == "vcs.branch") {
    KILN_RETURN_IF_ERROR(ValidateBranch(qualifier.value()));
    parsed.vcs_branch = qualifier.value();
    parsed.git_requested = true;
    return true;
  }
  if (name == "vcs.commit") {
    if ((qualifier.value().size() != 40 && qualifier.value().size() != 64) || !IsHex(qualifier.value())) {
      return Status::InvalidArgument("vcs.commit \"" + qualifier.value() +
                                     "\" is not a full lowercase hex commit hash (40 or 64 characters)");
    }
    parsed.vcs_commit = qualifier.value();
    parsed.git_requested = true;
    return true;
  }
  if (name == "resource_type") {
    if (qualifier.value() == "application/x-git") parsed.git_requested = true;
    return true;
  }
  return false;
}

void AppendLengthPrefixed(std::string& out, std::string_view text) {
  out += std::to_string(text.size());
  out += ':';
  out += text;
}

}  // namespace

StatusOr<ParsedQualifiers> ParseQualifiers(const google::protobuf::RepeatedPtrField<asset_proto::Qualifier>& qualifiers,
                                           AssetKind kind) {
  ParsedQualifiers parsed;
  std::set<std::string> names;
  std::vector<std::pair<std::string, std::string>> identity;
  for (const asset_proto::Qualifier& qualifier : qualifiers) {
    if (qualifier.name().empty()) return Status::InvalidArgument("a qualifier has an empty name");
    if (!names.insert(qualifier.name()).second) {
      return Status::InvalidArgument("qualifier \"" + qualifier.name() + "\" is given more than once (names must be unique)");
    }
    auto known = ParseKnown(qualifier, kind, parsed);
    if (!known.ok()) return known.status();
    if (!*known) parsed.unsupported.push_back(qualifier.name());
    if (!qualifier.name().starts_with("http_header")) identity.emplace_back(qualifier.name(), qualifier.value());
  }
  if (parsed.checksum && parsed.git_requested) {
    return Status::InvalidArgument("checksum.sri cannot be verified on a git checkout (given with vcs.* or resource_type)");
  }
  std::sort(identity.begin(), identity.end());
  for (const auto& [name, value] : identity) {
    AppendLengthPrefixed(parsed.identity, name);
    AppendLengthPrefixed(parsed.identity, value);
  }
  return parsed;
}

Status UnsupportedQualifiersError(const std::vector<std::string>& names) {
  std::string message;
  for (const std::string& name : names) message += (message.empty() ? "" : ", ") + ("\"" + name + "\" not supported");
  return Status::InvalidArgument("qualifiers: " + message);
}

FetchHeaders HeadersForUri(const ParsedQualifiers& qualifiers, int uri_index) {
  FetchHeaders headers = qualifiers.headers;
  auto own = qualifiers.headers_for_uri.find(uri_index);
  if (own != qualifiers.headers_for_uri.end()) headers.insert(headers.end(), own->second.begin(), own->second.end());
  return headers;
}

}  // namespace kiln
