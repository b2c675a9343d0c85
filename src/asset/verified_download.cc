#include "asset/verified_download.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

#include "common/hasher.h"

namespace kiln {
namespace {

StatusOr<UniqueFd> OpenUnlinkedTempFile(const std::string& temp_dir) {
  std::string path = temp_dir + "/download-XXXXXX";
  UniqueFd fd(::mkostemp(path.data(), O_CLOEXEC));
  if (!fd.valid()) return ErrnoStatus("create temporary file in", temp_dir, errno);
  ::unlink(path.c_str());
  return fd;
}

}  // namespace

StatusOr<DownloadedFile> DownloadVerified(Downloader& downloader, const DownloadRequest& request,
                                          DigestFunction function, const std::optional<Sri>& checksum,
                                          const std::string& temp_dir, const std::atomic<bool>& stop) {
  auto fd = OpenUnlinkedTempFile(temp_dir);
  if (!fd.ok()) return fd.status();
  Hasher hasher(function);
  std::optional<Hasher> checksum_hasher;
  if (checksum && checksum->function != function) checksum_hasher.emplace(checksum->function);
  int64_t size = 0;
  Status downloaded = downloader.Download(
      request,
      [&](std::string_view chunk) {
        KILN_RETURN_IF_ERROR(WriteAll(fd->get(), chunk));
        hasher.Update(chunk);
        if (checksum_hasher) checksum_hasher->Update(chunk);
        size += static_cast<int64_t>(chunk.size());
        return Status::Ok();
      },
      stop);
  KILN_RETURN_IF_ERROR(downloaded);
  auto digest = Digest::Create(function, hasher.FinishHex(), size);
  if (!digest.ok()) return digest.status();
  if (checksum) {
    const std::string actual = checksum_hasher ? checksum_hasher->FinishHex() : digest->hash();
    if (actual != checksum->hex_hash) {
      return Status::Aborted("the content does not match checksum.sri " + checksum->ToString() + ": its " +
                             std::string(DigestFunctionName(checksum->function)) + " is " + actual +
                             ", not " + checksum->hex_hash + " (nothing was stored)");
    }
  }
  return DownloadedFile{std::move(fd).value(), std::move(digest).value()};
}

}  // namespace kiln
