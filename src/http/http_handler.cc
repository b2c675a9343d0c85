#include "http/http_handler.h"

#include <strings.h>

namespace kiln {

std::optional<std::string_view> HttpHeaders::Get(std::string_view name) const {
  for (const auto& [field, value] : fields_) {
    if (field.size() == name.size() && ::strncasecmp(field.data(), name.data(), name.size()) == 0) return value;
  }
  return std::nullopt;
}

Status HttpResponder::Send(int status, std::string_view content_type, std::string_view body) {
  HttpHeaders headers;
  headers.Add("Content-Type", std::string(content_type));
  return Send(status, std::move(headers), body);
}

Status HttpResponder::Send(int status, HttpHeaders headers, std::string_view body) {
  KILN_RETURN_IF_ERROR(Start(status, headers, static_cast<int64_t>(body.size())));
  if (!body.empty()) KILN_RETURN_IF_ERROR(Write(body));
  return Finish();
}

int HttpStatusFor(StatusCode code) {
  switch (code) {
    case StatusCode::kOk: return 200;
    case StatusCode::kInvalidArgument:
    case StatusCode::kFailedPrecondition:
    case StatusCode::kOutOfRange: return 400;
    case StatusCode::kUnauthenticated: return 401;
    case StatusCode::kPermissionDenied: return 403;
    case StatusCode::kNotFound: return 404;
    case StatusCode::kAlreadyExists: return 409;
    // A store that is full: WebDAV's "insufficient storage", as bazel-remote answers.
    case StatusCode::kResourceExhausted: return 507;
    case StatusCode::kUnimplemented: return 501;
    case StatusCode::kUnavailable: return 503;
    case StatusCode::kDeadlineExceeded: return 504;
    case StatusCode::kCancelled: return 499;
    default: return 500;
  }
}

Status SendStatus(HttpResponder& responder, const Status& status) {
  HttpHeaders headers;
  headers.Add("Content-Type", "text/plain; charset=utf-8");
  const int http_status = HttpStatusFor(status.code());
  // Both schemes kiln takes over HTTP: Bazel's --remote_cache=https://user:pass@... and
  // .netrc send Basic credentials, curl and scripts a bearer token.
  if (http_status == 401) headers.Add("WWW-Authenticate", "Basic realm=\"kiln\", Bearer realm=\"kiln\"");
  std::string body = status.ok() ? std::string("ok") : status.ToString();
  body += "\n";
  return responder.Send(http_status, std::move(headers), body);
}

}  // namespace kiln
