// Fetching bytes from origin, behind an interface so that what is done with the bytes
// (hashing, checksum checks, storing) is tested without a network.
#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <string_view>

#include "asset/qualifiers.h"
#include "common/clock.h"
#include "common/status.h"

namespace kiln {

struct DownloadRequest {
  std::string uri;
  FetchHeaders headers;
  Duration timeout = std::chrono::minutes(5);
};

// Receives the body in order, chunk by chunk; a non-OK status stops the download.
using DownloadSink = std::function<Status(std::string_view chunk)>;

class Downloader {
 public:
  virtual ~Downloader() = default;
  // Streams the body of `request.uri` into `sink`. Errors say what went wrong with the URI:
  // NOT_FOUND (404, 410, no such file), PERMISSION_DENIED (401, 403, or a destination
  // address kiln refuses to connect to: destination_policy.h), DEADLINE_EXCEEDED
  // (the timeout passed), RESOURCE_EXHAUSTED (429), UNAVAILABLE (cannot connect, other
  // HTTP errors), CANCELLED (`stop` was set), or the sink's own error. The sink may have
  // seen part of the body when an error is returned.
  virtual Status Download(const DownloadRequest& request, const DownloadSink& sink, const std::atomic<bool>& stop) = 0;
};

// Whether `uri` uses a scheme the downloaders here fetch: http, https or file.
bool IsDownloadableUri(std::string_view uri);
// `uri` in the form libcurl and git expect: "file:/path" (RFC 8089's short form, which
// Bazel sends) becomes "file:///path"; anything else is returned unchanged.
std::string WithFileAuthority(std::string_view uri);

}  // namespace kiln
