#include "webui/blob_routes.h"

#include <charconv>

#include <google/protobuf/util/json_util.h>

#include "webui/blob_decoder.h"
#include "webui/json_response.h"
#include "webui/json_writer.h"
#include "webui/operation_json.h"
#include "webui/query_params.h"

namespace kiln {
namespace {

constexpr std::string_view kBlobPrefix = "/api/blob/";
constexpr std::string_view kRawPrefix = "/api/raw/";
// Larger blobs are offered as files without trying to decode them: no REAPI message that
// a person would read is this big.
constexpr int64_t kMaxDecodedBytes = int64_t{16} << 20;
constexpr size_t kPreviewBytes = 64 * 1024;
constexpr size_t kChunkBytes = 256 * 1024;

StatusOr<std::optional<HttpRequirement>> CasReadRequirement(const HttpRequest& request) {
  const std::string instance = QueryParams::Parse(request.query).GetOr("instance", "");
  return std::optional<HttpRequirement>(HttpRequirement{Permission::kCasRead, instance});
}

// Text worth showing: no NUL bytes and mostly printable.
bool LooksLikeText(std::string_view bytes) {
  size_t odd = 0;
  for (char c : bytes) {
    const auto u = static_cast<unsigned char>(c);
    if (u == 0) return false;
    if (u < 0x20 && u != '\n' && u != '\r' && u != '\t') ++odd;
  }
  return odd * 100 <= bytes.size();
}

// The first `max` bytes of the blob.
StatusOr<std::string> ReadStart(BlobStore& cas, const Digest& digest, size_t max) {
  auto reader = cas.OpenRead(digest, 0);
  if (!reader.ok()) return reader.status();
  std::string bytes(std::min<size_t>(max, static_cast<size_t>(digest.size())), '\0');
  size_t filled = 0;
  while (filled < bytes.size()) {
    auto n = (*reader)->Read(bytes.data() + filled, bytes.size() - filled);
    if (!n.ok()) return n.status();
    if (*n == 0) break;
    filled += *n;
  }
  bytes.resize(filled);
  return bytes;
}

void ServeDecoded(BlobStore& cas, HttpRequest& request, HttpResponder& responder) {
  auto digest = ParseDigestPath(std::string_view(request.path).substr(kBlobPrefix.size()));
  if (!digest.ok()) return SendJsonError(responder, digest.status());
  const QueryParams params = QueryParams::Parse(request.query);
  std::optional<BlobKind> hint;
  if (auto type = params.Get("type"); type && !type->empty()) {
    hint = ParseBlobKind(*type);
    if (!hint) return SendJsonError(responder, Status::InvalidArgument("unknown type \"" + *type + "\""));
  }
  const bool decodable = digest->size() <= kMaxDecodedBytes;
  auto bytes = decodable ? ReadBlob(cas, *digest) : ReadStart(cas, *digest, kPreviewBytes);
  if (!bytes.ok()) return SendJsonError(responder, bytes.status());
  DecodedBlob decoded = decodable ? DecodeBlob(*bytes, hint) : DecodedBlob{};
  JsonWriter json;
  json.BeginObject();
  json.Key("digest");
  WriteDigest(json, *digest);
  json.Key("kind").String(BlobKindName(decoded.kind));
  if (!decoded.note.empty()) json.Key("note").String(decoded.note);
  if (decoded.message) {
    std::string message;
    google::protobuf::util::JsonPrintOptions options;
    options.preserve_proto_field_names = true;
    (void)google::protobuf::util::MessageToJsonString(*decoded.message, &message, options);
    json.Key("message").Raw(message.empty() ? "null" : message);
  } else {
    const std::string_view start = std::string_view(*bytes).substr(0, kPreviewBytes);
    const bool text = LooksLikeText(start);
    json.Key("text").Bool(text);
    if (text) {
      json.Key("preview").String(start);
      json.Key("preview_complete").Bool(start.size() == static_cast<size_t>(digest->size()));
    }
  }
  json.EndObject();
  SendJson(responder, json.str());
}

// Only letters, digits and ._- from a file name go into the header (no quoting games).
std::string SafeFileName(std::string_view name) {
  std::string safe;
  for (char c : name.substr(name.rfind('/') == std::string_view::npos ? 0 : name.rfind('/') + 1)) {
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                       c == '_' || c == '-';
    safe.push_back(plain ? c : '_');
  }
  return safe.empty() ? "blob" : safe;
}

void ServeRaw(BlobStore& cas, HttpRequest& request, HttpResponder& responder) {
  auto digest = ParseDigestPath(std::string_view(request.path).substr(kRawPrefix.size()));
  if (!digest.ok()) return (void)SendStatus(responder, digest.status());
  auto reader = cas.OpenRead(*digest, 0);
  if (!reader.ok()) return (void)SendStatus(responder, reader.status());
  HttpHeaders headers;
  headers.Add("X-Content-Type-Options", "nosniff");
  if (auto name = QueryParams::Parse(request.query).Get("name"); name && !name->empty()) {
    headers.Add("Content-Type", "application/octet-stream");
    headers.Add("Content-Disposition", "attachment; filename=\"" + SafeFileName(*name) + "\"");
  } else {
    // Shown in the page (an action's output): as text, never as anything a browser runs.
    headers.Add("Content-Type", "text/plain; charset=utf-8");
  }
  if (!responder.Start(200, headers, digest->size()).ok()) return;
  std::string buffer(kChunkBytes, '\0');
  for (;;) {
    auto n = (*reader)->Read(buffer.data(), buffer.size());
    // Past the headers an error can only cut the body short; the client sees it end early.
    if (!n.ok() || *n == 0) break;
    if (!responder.Write(std::string_view(buffer.data(), *n)).ok()) return;
  }
  (void)responder.Finish();
}

}  // namespace

StatusOr<Digest> ParseDigestPath(std::string_view path) {
  const size_t first = path.find('/');
  const size_t second = first == std::string_view::npos ? first : path.find('/', first + 1);
  if (second == std::string_view::npos || path.find('/', second + 1) != std::string_view::npos) {
    return Status::InvalidArgument("expected FUNCTION/HASH/SIZE, got \"" + std::string(path) + "\"");
  }
  auto function = DigestFunctionFromName(path.substr(0, first));
  if (!function.ok()) return function.status();
  const std::string_view size_text = path.substr(second + 1);
  int64_t size = -1;
  auto [end, error] = std::from_chars(size_text.data(), size_text.data() + size_text.size(), size);
  if (error != std::errc() || end != size_text.data() + size_text.size()) {
    return Status::InvalidArgument("bad size \"" + std::string(size_text) + "\"");
  }
  return Digest::Create(*function, path.substr(first + 1, second - first - 1), size);
}

void AddBlobRoutes(HttpRouter& router, const WebUiServices& services) {
  BlobStore* cas = services.cas;
  router.Handle("GET", std::string(kBlobPrefix), HttpAccess::PerRequest(CasReadRequirement),
                [cas](HttpRequest& request, HttpResponder& responder) { ServeDecoded(*cas, request, responder); });
  for (const char* method : {"GET", "HEAD"}) {
    router.Handle(method, std::string(kRawPrefix), HttpAccess::PerRequest(CasReadRequirement),
                  [cas](HttpRequest& request, HttpResponder& responder) { ServeRaw(*cas, request, responder); });
  }
}

}  // namespace kiln
