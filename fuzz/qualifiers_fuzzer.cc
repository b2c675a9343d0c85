// Remote Asset qualifiers (src/asset/qualifiers.h): names and values a client sends with
// every Fetch and Push. The input is a FetchBlobRequest (FetchDirectoryRequest has the same
// fields); its first URI's parity picks blob or directory rules. Checked: accepted headers
// can be sent (a token name, no line break or NUL in the value), a vcs.commit is a full hex
// hash, and the record identity does not depend on the qualifiers' order and tells apart
// the qualifier sets it stands for (each half of the list compared with the other).
#include <algorithm>
#include <set>
#include <string>
#include <utility>

#include "asset/qualifiers.h"
#include "fuzz_check.h"

namespace {

using kiln::asset_proto::Qualifier;
using Qualifiers = google::protobuf::RepeatedPtrField<Qualifier>;

std::multiset<std::pair<std::string, std::string>> IdentityQualifiers(const Qualifiers& qualifiers) {
  std::multiset<std::pair<std::string, std::string>> set;
  for (const Qualifier& q : qualifiers) {
    if (!q.name().starts_with("http_header")) set.emplace(q.name(), q.value());
  }
  return set;
}

void CheckHeaders(const kiln::FetchHeaders& headers) {
  for (const auto& [name, value] : headers) {
    FUZZ_CHECK(!name.empty());
    for (char c : name) FUZZ_CHECK(c > ' ' && c < 127 && c != ':');
    FUZZ_CHECK(value.find_first_of(std::string("\r\n\0", 3)) == std::string::npos);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace kiln;
  asset_proto::FetchBlobRequest request;
  if (!request.ParseFromArray(data, static_cast<int>(size))) return 0;
  const AssetKind kind =
      !request.uris().empty() && request.uris(0).size() % 2 == 1 ? AssetKind::kDirectory : AssetKind::kBlob;
  auto parsed = ParseQualifiers(request.qualifiers(), kind);
  if (!parsed.ok()) {
    FUZZ_CHECK(parsed.status().code() == StatusCode::kInvalidArgument);
    return 0;
  }
  CheckHeaders(parsed->headers);
  for (int i = 0; i < request.uris_size() + 2; ++i) CheckHeaders(HeadersForUri(*parsed, i));
  for (const auto& [index, headers] : parsed->headers_for_uri) {
    FUZZ_CHECK(index >= 0);
    CheckHeaders(headers);
  }
  if (!parsed->vcs_commit.empty()) {
    FUZZ_CHECK(parsed->vcs_commit.size() == 40 || parsed->vcs_commit.size() == 64);
  }
  if (!parsed->vcs_branch.empty()) FUZZ_CHECK(parsed->vcs_branch[0] != '-');
  FUZZ_CHECK(!(parsed->checksum && parsed->git_requested));
  if (!parsed->unsupported.empty()) FUZZ_CHECK(UnsupportedQualifiersError(parsed->unsupported).code() == StatusCode::kInvalidArgument);

  Qualifiers reversed(request.qualifiers().rbegin(), request.qualifiers().rend());
  auto again = ParseQualifiers(reversed, kind);
  FUZZ_CHECK(again.ok() && again->identity == parsed->identity);

  const int half = request.qualifiers_size() / 2;
  Qualifiers first(request.qualifiers().begin(), request.qualifiers().begin() + half);
  Qualifiers second(request.qualifiers().begin() + half, request.qualifiers().end());
  auto a = ParseQualifiers(first, kind);
  auto b = ParseQualifiers(second, kind);
  FUZZ_CHECK(a.ok() && b.ok());
  FUZZ_CHECK((a->identity == b->identity) == (IdentityQualifiers(first) == IdentityQualifiers(second)));
  return 0;
}
