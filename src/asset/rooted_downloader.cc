#include "asset/rooted_downloader.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <chrono>
#include <memory>

namespace kiln {

Status RootedDownloader::Download(const DownloadRequest& request, const DownloadSink& sink,
                                  const std::atomic<bool>& stop) {
  if (!IsFileUri(request.uri)) return network_->Download(request, sink, stop);
  auto file = roots_->Open(request.uri);
  if (!file.ok()) return file.status();
  const auto deadline = std::chrono::steady_clock::now() + request.timeout;
  constexpr size_t kChunkBytes = 1 << 20;
  auto buffer = std::make_unique<char[]>(kChunkBytes);
  while (true) {
    if (stop) return Status::Cancelled("the server is shutting down");
    if (std::chrono::steady_clock::now() > deadline) {
      return Status(StatusCode::kDeadlineExceeded, "reading " + request.uri + " took too long");
    }
    const ssize_t n = ::read(file->get(), buffer.get(), kChunkBytes);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::Unavailable("reading " + request.uri + ": " + std::strerror(errno));
    if (n == 0) return Status::Ok();
    KILN_RETURN_IF_ERROR(sink(std::string_view(buffer.get(), static_cast<size_t>(n))));
  }
}

}  // namespace kiln
