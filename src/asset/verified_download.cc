#include "asset/verified_download.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

#include "common/hasher.h"

namespace kiln {
namespace {

struct TempFile {
  UniqueFd fd;
  TempFilePath path;
};

StatusOr<TempFile> CreateTempFile(const std::string& temp_dir, TempFileName name) {
  std::string path = temp_dir + "/download-XXXXXX";
  UniqueFd fd(::mkostemp(path.data(), O_CLOEXEC));
  if (!fd.valid()) return ErrnoStatus("create temporary file in", temp_dir, errno);
  if (name == TempFileName::kUnlinked) {
    ::unlink(path.c_str());
    return TempFile{std::move(fd), TempFilePath()};
  }
  return TempFile{std::move(fd), TempFilePath(std::move(path))};
}

}  // namespace

TempFilePath::~TempFilePath() {
  if (!path_.empty()) ::unlink(path_.c_str());
}

TempFilePath& TempFilePath::operator=(TempFilePath&& other) noexcept {
  if (this != &other) {
    if (!path_.empty()) ::unlink(path_.c_str());
    path_ = std::exchange(other.path_, {});
  }
  return *this;
}

StatusOr<DownloadedFile> DownloadVerified(Downloader& downloader, const DownloadRequest& request,
                                          DigestFunction function, const std::optional<Sri>& checksum,
                                          const std::string& temp_dir, TempFileName name,
                                          const std::atomic<bool>& stop) {
  auto file = CreateTempFile(temp_dir, name);
  if (!file.ok()) return file.status();
  // A download's length is known only at its end; GITSHA1 needs it first, so that digest is
  // taken from the file once written. (SRI checksums are never GITSHA1.)
  std::optional<Hasher> hasher;
  if (!HashNeedsSizeFirst(function)) hasher.emplace(function, 0);
  std::optional<Hasher> checksum_hasher;
  if (checksum && checksum->function != function) checksum_hasher.emplace(checksum->function, 0);
  int64_t size = 0;
  Status downloaded = downloader.Download(
      request,
      [&](std::string_view chunk) {
        KILN_RETURN_IF_ERROR(WriteAll(file->fd.get(), chunk));
        if (hasher) hasher->Update(chunk);
        if (checksum_hasher) checksum_hasher->Update(chunk);
        size += static_cast<int64_t>(chunk.size());
        return Status::Ok();
      },
      stop);
  KILN_RETURN_IF_ERROR(downloaded);
  auto digest = hasher ? Digest::Create(function, hasher->FinishHex(), size)
                       : ComputeFileDigest(function, file->fd.get(), "the downloaded file");
  if (!digest.ok()) return digest.status();
  if (checksum) {
    const std::string actual = checksum_hasher ? checksum_hasher->FinishHex() : digest->hash();
    if (actual != checksum->hex_hash) {
      return Status::Aborted("the content does not match checksum.sri " + checksum->ToString() + ": its " +
                             std::string(DigestFunctionName(checksum->function)) + " is " + actual +
                             ", not " + checksum->hex_hash + " (nothing was stored)");
    }
  }
  return DownloadedFile{std::move(file->fd), std::move(digest).value(), std::move(file->path)};
}

}  // namespace kiln
