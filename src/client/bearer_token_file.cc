#include "client/bearer_token_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>

#include "common/file_util.h"

namespace kiln {
namespace {

constexpr auto kCheckInterval = std::chrono::seconds(1);
constexpr size_t kMaxTokenBytes = 64 << 10;

// What may appear in an HTTP header value without quoting: visible ASCII. (RFC 6750
// tokens are narrower still; JWTs and opaque tokens fit.)
bool IsTokenCharacter(char c) { return c > 0x20 && c < 0x7f; }

}  // namespace

bool BearerTokenFile::Identity::operator==(const Identity& other) const {
  return device == other.device && inode == other.inode && size == other.size &&
         modified.tv_sec == other.modified.tv_sec && modified.tv_nsec == other.modified.tv_nsec;
}

StatusOr<std::string> BearerTokenFile::Read(const std::string& path, Identity& identity) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return Status::InvalidArgument("token file " + path + ": cannot open: " + std::strerror(errno));
  struct stat info {};
  if (::fstat(fd.get(), &info) != 0 || !S_ISREG(info.st_mode)) {
    return Status::InvalidArgument("token file " + path + ": not a regular file");
  }
  identity = {info.st_dev, info.st_ino, info.st_size, info.st_mtim};
  std::string text(kMaxTokenBytes + 1, '\0');
  size_t length = 0;
  while (length < text.size()) {
    const ssize_t n = ::read(fd.get(), text.data() + length, text.size() - length);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::InvalidArgument("token file " + path + ": cannot read: " + std::strerror(errno));
    if (n == 0) break;
    length += static_cast<size_t>(n);
  }
  if (length > kMaxTokenBytes) return Status::InvalidArgument("token file " + path + ": larger than 64 KiB");
  text.resize(length);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  if (text.empty()) return Status::InvalidArgument("token file " + path + ": empty");
  for (char c : text) {
    // The token itself is never put into a message.
    if (!IsTokenCharacter(c)) {
      return Status::InvalidArgument("token file " + path +
                                     ": holds whitespace or control characters (one token on one line expected)");
    }
  }
  return text;
}

StatusOr<std::shared_ptr<BearerTokenFile>> BearerTokenFile::Open(const std::string& path, const Clock* clock) {
  std::shared_ptr<BearerTokenFile> file(new BearerTokenFile(path, clock));
  auto token = Read(path, file->identity_);
  if (!token.ok()) return token.status();
  file->token_ = std::move(token).value();
  file->next_check_ = clock->Now() + kCheckInterval;
  struct stat info {};
  if (::stat(path.c_str(), &info) == 0 && (info.st_mode & (S_IRGRP | S_IROTH)) != 0) {
    std::cerr << "kiln: warning: token file " << path << " can be read by other users than its owner (mode "
              << std::oct << (info.st_mode & 0777) << std::dec << "); chmod 600 it\n";
  }
  return file;
}

std::string BearerTokenFile::Current() {
  std::lock_guard lock(mutex_);
  const TimePoint now = clock_->Now();
  if (now < next_check_) return token_;
  next_check_ = now + kCheckInterval;
  struct stat info {};
  if (::stat(path_.c_str(), &info) != 0) return token_;  // Mid-rename, or gone: keep the last token.
  if (Identity{info.st_dev, info.st_ino, info.st_size, info.st_mtim} == identity_) return token_;
  Identity identity;
  auto token = Read(path_, identity);
  if (!token.ok()) {
    std::cerr << "kiln: warning: keeping the previous token: " << token.status().message() << "\n";
    identity_ = identity;  // Warned once per change of the file, not on every call.
    return token_;
  }
  token_ = std::move(token).value();
  identity_ = identity;
  return token_;
}

}  // namespace kiln
