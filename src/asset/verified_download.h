// A download made safe to publish: the body is streamed into a temporary file (never held
// in memory, never in the CAS before it is verified) while it is hashed with the CAS's
// digest function and, if checksum.sri names another one, with that too. Only when the
// download is complete and the checksum matches does the caller get the file, to store as
// a blob or unpack; a failed or mismatching download leaves nothing behind. The file is
// unlinked at once (gone even after a crash), or keeps a name in the temp directory for
// the caller to move into the CAS (removed when the DownloadedFile goes, unless Release()d;
// after a crash, by whoever clears the temp directory at start).
#pragma once

#include <optional>
#include <string>
#include <utility>

#include "asset/downloader.h"
#include "asset/sri.h"
#include "common/file_util.h"

namespace kiln {

// A temporary file's path, unlinked on destruction unless released (the file was moved).
class TempFilePath {
 public:
  TempFilePath() = default;
  explicit TempFilePath(std::string path) : path_(std::move(path)) {}
  ~TempFilePath();
  TempFilePath(TempFilePath&& other) noexcept : path_(std::exchange(other.path_, {})) {}
  TempFilePath& operator=(TempFilePath&& other) noexcept;

  const std::string& get() const { return path_; }  // Empty: no name (unlinked).
  void Release() { path_.clear(); }

 private:
  std::string path_;
};

struct DownloadedFile {
  UniqueFd fd;        // The whole body; read it with pread.
  Digest digest;      // Of the body, with the requested digest function.
  TempFilePath path;  // Its name, if it was asked to keep one.
};

enum class TempFileName { kUnlinked, kKept };

// `temp_dir` must exist and be on a filesystem with room for the body. ABORTED if the body
// does not match `checksum`; otherwise the downloader's errors.
StatusOr<DownloadedFile> DownloadVerified(Downloader& downloader, const DownloadRequest& request,
                                          DigestFunction function, const std::optional<Sri>& checksum,
                                          const std::string& temp_dir, TempFileName name,
                                          const std::atomic<bool>& stop);

}  // namespace kiln
