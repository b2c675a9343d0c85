// The Remote Asset qualifiers kiln understands, parsed and validated once per request.
//
//   checksum.sri          the content's hash (sha256/sha384/sha512); verified on download,
//                         and content already in the CAS under that hash is served as is
//   http_header:NAME      an HTTP header sent with every URI's request
//   http_header_url:N:NAME  a header for the N-th URI only (what Bazel 7+ sends)
//   bazel.canonical_id    only distinguishes records (Bazel's cache key for a download)
//   vcs.branch, vcs.commit  FetchDirectory of a git repository
//   resource_type         FetchDirectory: "application/x-git" forces a git fetch; archive
//                         types are detected from the content
//
// Anything else is reported back by name: the Fetch service rejects it unless the exact
// (URI, qualifiers) mapping was pushed, which the spec lets a Push-supporting server trust.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "asset/sri.h"
#include "build/bazel/remote/asset/v1/remote_asset.pb.h"

namespace kiln {

namespace asset_proto = build::bazel::remote::asset::v1;

enum class AssetKind { kBlob, kDirectory };

using FetchHeaders = std::vector<std::pair<std::string, std::string>>;

struct ParsedQualifiers {
  std::optional<Sri> checksum;
  FetchHeaders headers;                         // For every URI.
  std::map<int, FetchHeaders> headers_for_uri;  // By index into the request's uris.
  std::string vcs_branch;
  std::string vcs_commit;
  bool git_requested = false;  // vcs.* or resource_type application/x-git.
  // The qualifiers that identify content (all but the http_header ones, which carry
  // credentials and the like), sorted, encoded unambiguously: the record key material.
  std::string identity;
  std::vector<std::string> unsupported;  // Names, in request order.
};

// INVALID_ARGUMENT for malformed qualifiers (duplicate or empty names, a bad checksum.sri,
// a header name or value that cannot be sent, a vcs.commit that is not a full hash, a
// qualifier that makes no sense for `kind`) naming the offending qualifier. Unknown names
// are not an error here: they are listed in `unsupported`.
StatusOr<ParsedQualifiers> ParseQualifiers(const google::protobuf::RepeatedPtrField<asset_proto::Qualifier>& qualifiers,
                                           AssetKind kind);

// INVALID_ARGUMENT naming each unsupported qualifier ("\"x\" not supported", the
// spec's wording), for a fetch that cannot be served without understanding them.
Status UnsupportedQualifiersError(const std::vector<std::string>& names);

// The headers for the URI at `uri_index`: the shared ones, then that URI's own.
FetchHeaders HeadersForUri(const ParsedQualifiers& qualifiers, int uri_index);

}  // namespace kiln
