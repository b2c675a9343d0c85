#include "http/http_cache.h"

#include <zstd.h>

#include "common/compression.h"
#include "common/resource_name.h"

namespace kiln {
namespace {

constexpr size_t kPieceBytes = 256 * 1024;

bool AcceptsZstd(const HttpRequest& request) {
  const auto accept = request.headers.Get("accept-encoding");
  return accept && accept->find("zstd") != std::string_view::npos;
}

StatusOr<bool> IsZstdBody(const HttpRequest& request) {
  const auto encoding = request.headers.Get("content-encoding");
  if (!encoding || *encoding == "identity") return false;
  if (*encoding == "zstd") return true;
  return Status::InvalidArgument("unsupported Content-Encoding " + std::string(*encoding) + " (identity or zstd)");
}

// 413 and 411 have no kiln status of their own.
void SendHttpError(HttpResponder& responder, int status, const std::string& message) {
  (void)responder.Send(status, "text/plain; charset=utf-8", message + "\n");
}

// Reads the whole (small) body, at most `max` bytes once decoded; nullopt after answering.
std::optional<std::string> ReadSmallBody(HttpRequest& request, HttpResponder& responder, int64_t max) {
  auto zstd = IsZstdBody(request);
  if (!zstd.ok()) {
    (void)SendStatus(responder, zstd.status());
    return std::nullopt;
  }
  if (request.content_length && *request.content_length > max) {
    SendHttpError(responder, 413, "body larger than " + std::to_string(max) + " bytes");
    return std::nullopt;
  }
  std::string raw;
  char buffer[16 * 1024];
  while (true) {
    auto n = request.body->Read(buffer, sizeof(buffer));
    if (!n.ok()) {
      (void)SendStatus(responder, n.status());
      return std::nullopt;
    }
    if (*n == 0) break;
    raw.append(buffer, *n);
    if (static_cast<int64_t>(raw.size()) > max) {
      SendHttpError(responder, 413, "body larger than " + std::to_string(max) + " bytes");
      return std::nullopt;
    }
  }
  if (!*zstd) return raw;
  auto decoded = ZstdDecompress(raw, max);
  if (!decoded.ok()) {
    const bool too_big = decoded.status().code() == StatusCode::kResourceExhausted ||
                         decoded.status().code() == StatusCode::kOutOfRange;
    if (too_big) SendHttpError(responder, 413, "body larger than " + std::to_string(max) + " bytes once decompressed");
    else (void)SendStatus(responder, Status::InvalidArgument("bad zstd body: " + decoded.status().message()));
    return std::nullopt;
  }
  return std::move(decoded).value();
}

class HttpCache {
 public:
  HttpCache(BlobStore* cas, ActionCache* action_cache, HttpCacheOptions options)
      : cas_(cas), action_cache_(action_cache), options_(std::move(options)) {}

  StatusOr<std::optional<HttpRequirement>> Requirement(const HttpRequest& request) const {
    auto path = ParseHttpCachePath(request.path);
    if (!path.ok()) return path.status();
    const bool write = request.method == "PUT";
    Permission permission = path->action_cache ? (write ? Permission::kAcWrite : Permission::kAcRead)
                                               : (write ? Permission::kCasWrite : Permission::kCasRead);
    return std::optional<HttpRequirement>(HttpRequirement{permission, path->instance_name});
  }

  void Serve(HttpRequest& request, HttpResponder& responder) {
    auto path = ParseHttpCachePath(request.path);
    if (!path.ok()) {
      (void)SendStatus(responder, path.status());
      return;
    }
    if (auto valid = Digest::Create(options_.digest_function, path->hash, 0); !valid.ok()) {
      (void)SendStatus(responder, Status::InvalidArgument("bad hash in " + request.path + ": " + valid.status().message()));
      return;
    }
    const bool put = request.method == "PUT";
    if (path->action_cache) {
      if (put) PutActionResult(*path, request, responder);
      else GetActionResult(*path, request, responder);
    } else {
      if (put) PutBlob(*path, request, responder);
      else GetBlob(*path, request, responder);
    }
  }

 private:
  std::optional<int64_t> SizeOf(const std::string& hash) const {
    return options_.stored_size ? options_.stored_size(options_.digest_function, hash) : std::nullopt;
  }

  void GetBlob(const HttpCachePath& path, HttpRequest& request, HttpResponder& responder) {
    const std::optional<int64_t> size = SizeOf(path.hash);
    if (!size) {
      (void)SendStatus(responder, Status::NotFound("blob " + path.hash + " is not in the CAS"));
      return;
    }
    const Digest digest = Digest::Create(options_.digest_function, path.hash, *size).value();
    auto reader = cas_->OpenRead(digest, 0);
    if (!reader.ok()) {
      (void)SendStatus(responder, reader.status());
      return;
    }
    HttpHeaders headers;
    headers.Add("Content-Type", "application/octet-stream");
    const bool zstd = AcceptsZstd(request) && request.method == "GET";
    if (zstd) headers.Add("Content-Encoding", "zstd");
    if (!responder.Start(200, headers, zstd ? std::nullopt : std::optional<int64_t>(*size)).ok()) return;
    if (request.method == "HEAD") {
      (void)responder.Finish();
      return;
    }
    std::string buffer(kPieceBytes, '\0');
    std::string compressed;
    ZstdCompressor compressor;
    while (true) {
      auto n = (*reader)->Read(buffer.data(), buffer.size());
      // A read error after the header went out can only cut the response short: the
      // client sees a truncated body (or chunked stream) and fails, as it must.
      if (!n.ok()) return;
      const std::string_view piece(buffer.data(), *n);
      if (zstd) {
        compressed.clear();
        if (!compressor.Compress(piece, *n == 0, &compressed).ok()) return;
        if (!compressed.empty() && !responder.Write(compressed).ok()) return;
      } else if (*n > 0 && !responder.Write(piece).ok()) {
        return;
      }
      if (*n == 0) break;
    }
    (void)responder.Finish();
  }

  void PutBlob(const HttpCachePath& path, HttpRequest& request, HttpResponder& responder) {
    auto zstd = IsZstdBody(request);
    if (!zstd.ok()) {
      (void)SendStatus(responder, zstd.status());
      return;
    }
    if (*zstd) {
      PutZstdBlob(path, request, responder);
      return;
    }
    if (!request.content_length) {
      SendHttpError(responder, 411, "a CAS PUT needs a Content-Length (or Content-Encoding: zstd)");
      return;
    }
    if (*request.content_length > options_.max_blob_bytes) {
      SendHttpError(responder, 413, "blob larger than " + std::to_string(options_.max_blob_bytes) + " bytes");
      return;
    }
    const Digest digest = Digest::Create(options_.digest_function, path.hash, *request.content_length).value();
    auto writer = cas_->OpenWrite(digest);
    if (!writer.ok()) {
      (void)SendStatus(responder, writer.status());
      return;
    }
    std::string buffer(kPieceBytes, '\0');
    while (true) {
      auto n = request.body->Read(buffer.data(), buffer.size());
      if (!n.ok()) {
        (void)SendStatus(responder, n.status());
        return;
      }
      if (*n == 0) break;
      if (Status written = (*writer)->Write(std::string_view(buffer.data(), *n)); !written.ok()) {
        (void)SendStatus(responder, written);
        return;
      }
    }
    Finish(**writer, responder);
  }

  // The frame header usually declares the decompressed size (zstd's one-shot and
  // size-aware streaming APIs write it): the blob then streams into the store. Otherwise
  // it is decompressed in memory first, within max_undeclared_zstd_bytes.
  void PutZstdBlob(const HttpCachePath& path, HttpRequest& request, HttpResponder& responder) {
    std::string buffer(kPieceBytes, '\0');
    auto n = request.body->Read(buffer.data(), buffer.size());
    if (!n.ok()) {
      (void)SendStatus(responder, n.status());
      return;
    }
    const unsigned long long declared = ZSTD_getFrameContentSize(buffer.data(), *n);
    if (declared == ZSTD_CONTENTSIZE_ERROR || declared == ZSTD_CONTENTSIZE_UNKNOWN) {
      std::string rest(buffer.data(), *n);
      StringBodyPrefix prefixed(std::move(rest), request.body);
      request.body = &prefixed;
      auto body = ReadSmallBody(request, responder, options_.max_undeclared_zstd_bytes);
      if (!body) return;
      const Digest digest = Digest::Create(options_.digest_function, path.hash, static_cast<int64_t>(body->size())).value();
      auto writer = cas_->OpenWrite(digest);
      if (!writer.ok()) {
        (void)SendStatus(responder, writer.status());
        return;
      }
      if (Status written = (*writer)->Write(*body); !written.ok()) {
        (void)SendStatus(responder, written);
        return;
      }
      Finish(**writer, responder);
      return;
    }
    if (static_cast<int64_t>(declared) > options_.max_blob_bytes) {
      SendHttpError(responder, 413, "blob larger than " + std::to_string(options_.max_blob_bytes) + " bytes");
      return;
    }
    const int64_t size = static_cast<int64_t>(declared);
    const Digest digest = Digest::Create(options_.digest_function, path.hash, size).value();
    auto writer = cas_->OpenWrite(digest);
    if (!writer.ok()) {
      (void)SendStatus(responder, writer.status());
      return;
    }
    ZstdDecompressor decompressor;
    const auto sink = [&](std::string_view piece) { return (*writer)->Write(piece); };
    while (*n > 0) {
      if (Status s = decompressor.Decompress(std::string_view(buffer.data(), *n), sink, size); !s.ok()) {
        (void)SendStatus(responder, s.code() == StatusCode::kInvalidArgument || s.code() == StatusCode::kDataLoss ||
                                            s.code() == StatusCode::kOutOfRange || s.code() == StatusCode::kResourceExhausted
                                        ? Status::InvalidArgument("bad zstd body: " + s.message())
                                        : s);
        return;
      }
      n = request.body->Read(buffer.data(), buffer.size());
      if (!n.ok()) {
        (void)SendStatus(responder, n.status());
        return;
      }
    }
    if (!decompressor.AtFrameBoundary()) {
      (void)SendStatus(responder, Status::InvalidArgument("truncated zstd body"));
      return;
    }
    Finish(**writer, responder);
  }

  static void Finish(BlobWriter& writer, HttpResponder& responder) {
    Status committed = writer.Commit();
    if (!committed.ok()) {
      (void)SendStatus(responder, committed);
      return;
    }
    (void)responder.Send(200, "text/plain; charset=utf-8", "");
  }

  // The action cache keys entries by the action's full digest, size included, which the
  // protocol's URL lacks: the size is the Action blob's when it is in the CAS (as for
  // every action a REAPI client uploads for execution), so that gRPC and HTTP share the
  // entry; 0 otherwise, an entry only HTTP clients find.
  Digest ActionDigest(const std::string& hash, bool stored) const {
    const int64_t size = stored ? SizeOf(hash).value_or(0) : 0;
    return Digest::Create(options_.digest_function, hash, size).value();
  }

  void GetActionResult(const HttpCachePath& path, HttpRequest& request, HttpResponder& responder) {
    const InlineRequest no_inlining;
    auto result = action_cache_->Get(path.instance_name, ActionDigest(path.hash, true), no_inlining);
    if (!result.ok() && result.status().code() == StatusCode::kNotFound && SizeOf(path.hash).value_or(0) != 0) {
      result = action_cache_->Get(path.instance_name, ActionDigest(path.hash, false), no_inlining);
    }
    if (!result.ok()) {
      (void)SendStatus(responder, result.status());
      return;
    }
    std::string body;
    result->SerializeToString(&body);
    HttpHeaders headers;
    headers.Add("Content-Type", "application/octet-stream");
    if (AcceptsZstd(request) && request.method == "GET") {
      auto compressed = ZstdCompress(body);
      if (compressed.ok()) {
        headers.Add("Content-Encoding", "zstd");
        body = std::move(compressed).value();
      }
    }
    (void)responder.Send(200, std::move(headers), body);
  }

  void PutActionResult(const HttpCachePath& path, HttpRequest& request, HttpResponder& responder) {
    auto body = ReadSmallBody(request, responder, options_.max_action_result_bytes);
    if (!body) return;
    reapi::ActionResult result;
    if (!result.ParseFromString(*body)) {
      (void)SendStatus(responder, Status::InvalidArgument("the body is not an ActionResult"));
      return;
    }
    Status stored = action_cache_->Put(path.instance_name, ActionDigest(path.hash, true), result);
    if (!stored.ok()) {
      (void)SendStatus(responder, stored);
      return;
    }
    (void)responder.Send(200, "text/plain; charset=utf-8", "");
  }

  // A body whose first bytes were already read.
  class StringBodyPrefix : public HttpBodyReader {
   public:
    StringBodyPrefix(std::string prefix, HttpBodyReader* rest) : prefix_(std::move(prefix)), rest_(rest) {}
    StatusOr<size_t> Read(char* buffer, size_t max) override {
      if (offset_ < prefix_.size()) {
        const size_t n = std::min(max, prefix_.size() - offset_);
        prefix_.copy(buffer, n, offset_);
        offset_ += n;
        return n;
      }
      return rest_->Read(buffer, max);
    }

   private:
    std::string prefix_;
    size_t offset_ = 0;
    HttpBodyReader* rest_;
  };

  BlobStore* cas_;
  ActionCache* action_cache_;
  const HttpCacheOptions options_;
};

}  // namespace

StatusOr<HttpCachePath> ParseHttpCachePath(std::string_view path) {
  const Status not_cache = Status::NotFound("no such path: " + std::string(path) +
                                            " (the cache is at /cas/HASH and /ac/HASH, optionally under /INSTANCE/)");
  if (!path.starts_with('/')) return not_cache;
  path.remove_prefix(1);
  const size_t last = path.rfind('/');
  if (last == std::string_view::npos) return not_cache;
  HttpCachePath parsed;
  parsed.hash = std::string(path.substr(last + 1));
  std::string_view rest = path.substr(0, last);
  const size_t kind_at = rest.rfind('/');
  const std::string_view kind = kind_at == std::string_view::npos ? rest : rest.substr(kind_at + 1);
  if (kind != "cas" && kind != "ac") return not_cache;
  parsed.action_cache = kind == "ac";
  if (kind_at != std::string_view::npos) parsed.instance_name = std::string(rest.substr(0, kind_at));
  KILN_RETURN_IF_ERROR(ValidateInstanceName(parsed.instance_name));
  return parsed;
}

void AddHttpCacheRoutes(HttpRouter& router, BlobStore* cas, ActionCache* action_cache, HttpCacheOptions options) {
  auto cache = std::make_shared<HttpCache>(cas, action_cache, std::move(options));
  const auto access = HttpAccess::PerRequest([cache](const HttpRequest& request) { return cache->Requirement(request); });
  const auto handler = [cache](HttpRequest& request, HttpResponder& responder) { cache->Serve(request, responder); };
  for (const char* method : {"GET", "HEAD", "PUT"}) router.HandleFallback(method, access, handler);
}

}  // namespace kiln
