#include "asset/curl_downloader.h"

#include <curl/curl.h>
#include <sys/socket.h>

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
  const DestinationPolicy* destinations;
  Status sink_status;
  Status refusal;  // The first address the policy refused, if any.
};

// libcurl calls this for every connection it opens (each address it tries, the first
// request's and every redirect's), with the address resolved: the one place where what is
// checked is what is connected to.
curl_socket_t OpenCheckedSocket(void* user, curlsocktype, curl_sockaddr* address) {
  auto* transfer = static_cast<Transfer*>(user);
  const std::optional<IpAddress> ip = IpAddressFromSockaddr(&address->addr, address->addrlen);
  Status allowed = ip ? transfer->destinations->Check(*ip)
                      : Status(StatusCode::kPermissionDenied, "kiln connects only to IPv4 and IPv6 addresses");
  if (!allowed.ok()) {
    if (transfer->refusal.ok()) transfer->refusal = std::move(allowed);
    return CURL_SOCKET_BAD;  // libcurl tries the host's other addresses, if any.
  }
  // Close-on-exec: kiln forks action processes, which must not inherit download sockets.
  return ::socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
}

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

Status CurlErrorStatus(CURLcode code, CURL* curl, const char* detail, const Transfer& transfer,
                       const std::string& url) {
  std::string text = detail[0] != '\0' ? std::string(detail) : std::string(curl_easy_strerror(code));
  if (!transfer.refusal.ok() && code == CURLE_COULDNT_CONNECT) {
    const char* effective = nullptr;
    curl_easy_getinfo(curl, CURLINFO_EFFECTIVE_URL, &effective);
    if (effective != nullptr && url != effective) {
      return transfer.refusal.WithContext(std::string("following a redirect to ") + effective);
    }
    return transfer.refusal;
  }
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
  explicit CurlDownloader(CurlDownloaderOptions options) : options_(std::move(options)) {
    static std::once_flag initialized;
    std::call_once(initialized, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  }

  Status Download(const DownloadRequest& request, const DownloadSink& sink, const std::atomic<bool>& stop) override {
    if (!request.uri.starts_with("http://") && !request.uri.starts_with("https://")) {
      return Status::NotFound("kiln downloads only http and https URIs with libcurl");
    }
    std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
    if (!curl) return Status::Internal("curl_easy_init failed");
    curl_slist* headers = nullptr;
    for (const auto& [name, value] : request.headers) headers = curl_slist_append(headers, (name + ": " + value).c_str());
    std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> header_list(headers, curl_slist_free_all);

    Transfer transfer{&sink, &stop, &options_.destinations, Status::Ok(), Status::Ok()};
    char detail[CURL_ERROR_SIZE] = {0};
    CURL* handle = curl.get();
    const std::string& url = request.uri;
    curl_easy_setopt(handle, CURLOPT_URL, url.c_str());
    curl_easy_setopt(handle, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(handle, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(handle, CURLOPT_PROXY, "");  // "": no proxy, whatever the environment says.
    curl_easy_setopt(handle, CURLOPT_OPENSOCKETFUNCTION, OpenCheckedSocket);
    curl_easy_setopt(handle, CURLOPT_OPENSOCKETDATA, &transfer);
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
    if (code != CURLE_OK) return CurlErrorStatus(code, handle, detail, transfer, url);
    return Status::Ok();
  }

 private:
  const CurlDownloaderOptions options_;
};

}  // namespace

std::unique_ptr<Downloader> NewCurlDownloader(CurlDownloaderOptions options) {
  return std::make_unique<CurlDownloader>(std::move(options));
}

}  // namespace kiln
