// Thin, error-reporting wrappers over the POSIX file calls the stores need. Everything
// returns Status with the path and errno text, so callers never lose why I/O failed.
#pragma once

#include <sys/stat.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace kiln {

// Owns a file descriptor; closes it on destruction.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  ~UniqueFd();
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }
  // Closes now and reports a failure (write-back errors surface at close on some filesystems).
  Status Close();

 private:
  int fd_ = -1;
};

// A Status built from errno: "{operation} {path}: {strerror}". ENOSPC maps to
// RESOURCE_EXHAUSTED, ENOENT to NOT_FOUND, anything else to INTERNAL.
Status ErrnoStatus(std::string_view operation, std::string_view path, int error_number);

Status WriteAll(int fd, std::string_view data);
// Reads up to `size` bytes at `offset`; returns fewer only at end of file.
StatusOr<size_t> PreadFull(int fd, char* buffer, size_t size, int64_t offset);
// Creates the directory and its parents; succeeds if it exists.
Status MakeDirectories(const std::string& path);
StatusOr<std::string> ReadSmallFile(const std::string& path);
// Reads the whole of an open file (named `path` in errors); with `st`, also its fstat.
StatusOr<std::string> ReadOpenFile(int fd, const std::string& path, struct stat* st = nullptr);
// Writes via a temp file in the same directory and rename(), so readers see the old or the
// new content, never a mix.
Status WriteFileAtomically(const std::string& path, std::string_view data, bool sync);

}  // namespace kiln
