// The HTTP side of kiln, independent of any HTTP library: what a handler sees of a request
// (method, path, headers, the authenticated principal, a streamed body) and how it answers
// (status, headers, a body written in pieces). The server adapter (http_server.h) turns the
// embedded library's connections into these; handlers never see the library's types, and
// unit tests drive handlers with the in-memory fakes of testing/http_fakes.h, no sockets.
//
// Threading: the server calls a handler on one of its worker threads, one request at a time
// per connection; a handler may block (stream a blob, follow a log) but holds that thread
// while it does, so long-lived responses should stay rare (the pool is bounded).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "auth/credentials.h"
#include "auth/principal.h"
#include "common/status.h"

namespace kiln {

// Header fields in arrival order; names are matched case-insensitively.
class HttpHeaders {
 public:
  void Add(std::string name, std::string value) { fields_.emplace_back(std::move(name), std::move(value)); }
  // The first field named `name`, if any.
  std::optional<std::string_view> Get(std::string_view name) const;
  const std::vector<std::pair<std::string, std::string>>& fields() const { return fields_; }

 private:
  std::vector<std::pair<std::string, std::string>> fields_;
};

// The request body, read as it arrives (a PUT of a 1 GiB blob is never in memory whole).
class HttpBodyReader {
 public:
  virtual ~HttpBodyReader() = default;
  // Up to `max` bytes into `buffer`; 0 only at the end of the body. An error when the
  // client went away or stalled past the server's timeout.
  virtual StatusOr<size_t> Read(char* buffer, size_t max) = 0;
};

struct HttpRequest {
  std::string method;  // "GET", "HEAD", "PUT", ...
  std::string path;    // Percent-decoded, without the query: "/cas/0a1b...".
  std::string query;   // Raw, after '?'; empty without one.
  HttpHeaders headers;
  // The body's declared size; nullopt for a chunked body (or none).
  std::optional<int64_t> content_length;
  HttpBodyReader* body = nullptr;  // Never null while a handler runs (an empty body reads 0).
  std::string peer;                // "127.0.0.1:53100", for logs.
  // What the transport saw (verified client certificate names, the Authorization header):
  // only the router looks at it, to find the principal below.
  Credentials credentials;
  // Who is calling, set by the router before the handler runs: for a route that needs a
  // permission, a principal that holds it; for a public route, null.
  std::shared_ptr<const Principal> principal;
};

// How a handler answers. Either Send once, or Start, Write any number of times, Finish.
// For HEAD requests the server writes headers only: handlers answer HEAD like GET
// (Content-Length included) and the body is dropped.
class HttpResponder {
 public:
  virtual ~HttpResponder() = default;
  // Sends status and headers. `content_length` nullopt: the body is streamed chunked
  // (live logs, server-sent events) until Finish. Call once.
  virtual Status Start(int status, const HttpHeaders& headers, std::optional<int64_t> content_length) = 0;
  // Part of the body. An error once the client has gone: stop writing then.
  virtual Status Write(std::string_view data) = 0;
  // Ends the body (the last chunk of a chunked one). A response never started is answered
  // 500 by the server.
  virtual Status Finish() = 0;
  virtual bool started() const = 0;

  // The whole response at once.
  Status Send(int status, std::string_view content_type, std::string_view body);
  Status Send(int status, HttpHeaders headers, std::string_view body);
};

using HttpHandler = std::function<void(HttpRequest& request, HttpResponder& responder)>;

// kiln's status as an HTTP status: NOT_FOUND 404, INVALID_ARGUMENT 400, UNAUTHENTICATED
// 401, PERMISSION_DENIED 403, RESOURCE_EXHAUSTED 507 (a full store), FAILED_PRECONDITION
// 400, UNAVAILABLE 503, ...; OK 200.
int HttpStatusFor(StatusCode code);
// Answers `status` as text/plain ("not found: ..."), with the matching HTTP status and,
// for 401, a WWW-Authenticate challenge.
Status SendStatus(HttpResponder& responder, const Status& status);

}  // namespace kiln
