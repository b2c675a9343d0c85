#include "common/file_util.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>

namespace kiln {

UniqueFd::~UniqueFd() {
  if (fd_ >= 0) ::close(fd_);
}

UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.release();
  }
  return *this;
}

Status UniqueFd::Close() {
  if (fd_ < 0) return Status::Ok();
  int fd = release();
  if (::close(fd) != 0) return ErrnoStatus("close", "fd " + std::to_string(fd), errno);
  return Status::Ok();
}

Status ErrnoStatus(std::string_view operation, std::string_view path, int error_number) {
  std::string message = std::string(operation) + " " + std::string(path) + ": " + std::strerror(error_number);
  switch (error_number) {
    case ENOSPC:
    case EDQUOT:
      return Status::ResourceExhausted(message);
    case ENOENT:
      return Status::NotFound(message);
    default:
      return Status::Internal(message);
  }
}

Status WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus("write", "fd " + std::to_string(fd), errno);
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return Status::Ok();
}

StatusOr<size_t> PreadFull(int fd, char* buffer, size_t size, int64_t offset) {
  size_t done = 0;
  while (done < size) {
    ssize_t n = ::pread(fd, buffer + done, size - done, offset + static_cast<int64_t>(done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus("pread", "fd " + std::to_string(fd), errno);
    }
    if (n == 0) break;
    done += static_cast<size_t>(n);
  }
  return done;
}

Status MakeDirectories(const std::string& path) {
  std::error_code error;
  std::filesystem::create_directories(path, error);
  if (error) return Status::Internal("create directory " + path + ": " + error.message());
  return Status::Ok();
}

StatusOr<std::string> ReadSmallFile(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return ErrnoStatus("open", path, errno);
  return ReadOpenFile(fd.get(), path);
}

StatusOr<std::string> ReadOpenFile(int fd, const std::string& path, struct stat* st) {
  struct stat own {};
  if (!st) st = &own;
  if (::fstat(fd, st) != 0) return ErrnoStatus("stat", path, errno);
  std::string data(static_cast<size_t>(st->st_size), '\0');
  auto n = PreadFull(fd, data.data(), data.size(), 0);
  if (!n.ok()) return n.status();
  data.resize(*n);
  return data;
}

Status WriteFileAtomically(const std::string& path, std::string_view data, bool sync) {
  static std::atomic<uint64_t> counter{0};
  std::string temp = path + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(counter++);
  UniqueFd fd(::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
  if (!fd.valid()) return ErrnoStatus("create", temp, errno);
  Status status = WriteAll(fd.get(), data);
  if (status.ok() && sync && ::fdatasync(fd.get()) != 0) status = ErrnoStatus("fdatasync", temp, errno);
  if (status.ok()) status = fd.Close();
  if (status.ok() && ::rename(temp.c_str(), path.c_str()) != 0) status = ErrnoStatus("rename", temp, errno);
  if (!status.ok()) ::unlink(temp.c_str());
  return status;
}

}  // namespace kiln
