// The bazel-remote HTTP cache protocol over kiln's own stores, so that Bazel's
// --remote_cache=http://... (and anything else speaking it) shares the CAS and action cache
// that gRPC clients use: a blob PUT here is read over ByteStream, an ActionResult uploaded
// with UpdateActionResult is a GET /ac/ hit here, and the other way round.
//
//   GET|HEAD|PUT /cas/HASH       a blob, by its hash under the server's digest function
//   GET|HEAD|PUT /ac/HASH        an ActionResult (serialized proto), by action digest hash
//   /INSTANCE/cas/HASH, ...      the same under an instance name (it may contain '/')
//
// Rules, as over gRPC: a CAS PUT is stored only if its bytes match the hash (400
// otherwise); an AC PUT must parse as an ActionResult whose digests are valid (400), and is
// a hit only while every blob it names is in the CAS (the action cache's own rule); the
// same permissions (cas-read, cas-write, ac-read, ac-write on the instance). PUT bodies may
// be zstd (Content-Encoding: zstd); GET answers zstd when the client accepts it. 404 for a
// missing entry, 413 over the size limits, 507 when the store is full.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "ac/action_cache.h"
#include "cas/blob_store.h"
#include "http/http_router.h"

namespace kiln {

struct HttpCacheOptions {
  DigestFunction digest_function = DigestFunction::kSha256;
  // The protocol names blobs by hash alone; this tells a stored blob's size (for GET/HEAD).
  std::function<std::optional<int64_t>(DigestFunction, std::string_view)> stored_size;
  int64_t max_blob_bytes = int64_t{10} << 30;  // CAS PUTs beyond: 413.
  int64_t max_action_result_bytes = int64_t{4} << 20;  // AC PUTs beyond: 413.
  // A zstd PUT whose frame does not declare its size is decompressed in memory, up to this.
  int64_t max_undeclared_zstd_bytes = int64_t{64} << 20;
};

// Routes GET, HEAD and PUT that no other route takes (HttpRouter::HandleFallback).
// REQUIRES: `cas` and `action_cache` outlive the router.
void AddHttpCacheRoutes(HttpRouter& router, BlobStore* cas, ActionCache* action_cache, HttpCacheOptions options);

// "/team/a/cas/0a1b..." -> instance "team/a", kind "cas", hash "0a1b..." (exposed for tests).
struct HttpCachePath {
  std::string instance_name;
  bool action_cache = false;
  std::string hash;
};
StatusOr<HttpCachePath> ParseHttpCachePath(std::string_view path);

}  // namespace kiln
