#include "asset/curl_downloader.h"

#include <curl/curl.h>

#include <mutex>

namespace kiln {

bool IsDownloadableUri(std::string_view uri) {
  return uri.starts_with("http://") || uri.starts_with("https://") || uri.starts_with("file:/");
}

std::string WithFileAuthority(std::string_view uri) {
  if (uri.starts_with("file:/") && !uri.starts_with("file://")) return "file://" + std::string(uri.substr(5));
  return std::string(uri);
}

namespace {

// State shared with libcurl's callbacks for one transfer.
struct Transfer {
  const DownloadSink* sink;
  const std::atomic<bool>* stop;
  Status sink_status;
};

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  transfer->sink_status = (*transfer->sink)(std::string_view(data, size * count));
  // Returning fewer bytes than given makes libcurl abort with CURLE_WRITE_ERROR.
  return transfer->sink_status.ok() ? size * count : 0;
}

int OnProgress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  return static_cast<Transfer*>(user)->stop->load() ? 1 : 0;
}

Status HttpErrorStatus(long code) {
  const std::string text = "HTTP status " + std::to_string(code);
  if (code == 404 || code == 410) return Status::NotFound(text);
  if (code == 401 || code == 403) return {StatusCode::kPermissionDenied, text};
  if (code == 429) return Status::ResourceExhausted(text);
  return Status::Unavailable(text);
}

Status CurlErrorStatus(CURLcode code, CURL* curl, const char* detail, const Transfer& transfer) {
  std::string text = detail[0] != '\0' ? std::string(detail) : std::string(curl_easy_strerror(code));
  switch (code) {
    case CURLE_HTTP_RETURNED_ERROR: {
      long http_code = 0;
      curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &http_code);
      return HttpErrorStatus(http_code);
    }
    case CURLE_WRITE_ERROR:
      return transfer.sink_status.ok() ? Status::Internal(text) : transfer.sink_status;
    case CURLE_ABORTED_BY_CALLBACK:
      return Status::Cancelled("the download was stopped (server shutting down)");
    case CURLE_OPERATION_TIMEDOUT:
      return {StatusCode::kDeadlineExceeded, "timed out: " + text};
    case CURLE_FILE_COULDNT_READ_FILE:
    case CURLE_REMOTE_FILE_NOT_FOUND:
      return Status::NotFound(text);
    case CURLE_REMOTE_ACCESS_DENIED:
      return {StatusCode::kPermissionDenied, text};
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
      return Status::NotFound("cannot fetch this URI: " + text);
    default:
      return Status::Unavailable(text);
  }
}

class CurlDownloader final : public Downloader {
 public:
  CurlDownloader() {
    static std::once_flag initialized;
    std::call_once(initialized, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  }

  Status Download(const DownloadRequest& request, const DownloadSink& sink, const std::atomic<bool>& stop) override {
    if (!IsDownloadableUri(request.uri)) return Status::NotFound("kiln fetches only http, https and file URIs");
    std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
    if (!curl) return Status::Internal("curl_easy_init failed");
    curl_slist* headers = nullptr;
    for (const auto& [name, value] : request.headers) headers = curl_slist_append(headers, (name + ": " + value).c_str());
    std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> header_list(headers, curl_slist_free_all);

    Transfer transfer{&sink, &stop, Status::Ok()};
    char detail[CURL_ERROR_SIZE] = {0};
    CURL* handle = curl.get();
    const std::string url = WithFileAuthority(request.uri);
    curl_easy_setopt(handle, CURLOPT_URL, url.c_str());
    curl_easy_setopt(handle, CURLOPT_PROTOCOLS_STR, "http,https,file");
    curl_easy_setopt(handle, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(handle, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(handle, CURLOPT_MAXREDIRS, 10L);
    curl_easy_setopt(handle, CURLOPT_FAILONERROR, 1L);
    curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);  // Threads: no SIGALRM for DNS timeouts.
    curl_easy_setopt(handle, CURLOPT_USERAGENT, "kiln");
    curl_easy_setopt(handle, CURLOPT_HTTPHEADER, header_list.get());
    curl_easy_setopt(handle, CURLOPT_ERRORBUFFER, detail);
    const auto timeout_ms = std::chrono::duration_cast<std::chrono::milliseconds>(request.timeout).count();
    curl_easy_setopt(handle, CURLOPT_TIMEOUT_MS, static_cast<long>(std::max<int64_t>(timeout_ms, 1)));
    curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, OnBody);
    curl_easy_setopt(handle, CURLOPT_WRITEDATA, &transfer);
    curl_easy_setopt(handle, CURLOPT_XFERINFOFUNCTION, OnProgress);
    curl_easy_setopt(handle, CURLOPT_XFERINFODATA, &transfer);
    curl_easy_setopt(handle, CURLOPT_NOPROGRESS, 0L);
    CURLcode code = curl_easy_perform(handle);
    if (code != CURLE_OK) return CurlErrorStatus(code, handle, detail, transfer);
    return Status::Ok();
  }
};

}  // namespace

std::unique_ptr<Downloader> NewCurlDownloader() { return std::make_unique<CurlDownloader>(); }

}  // namespace kiln
