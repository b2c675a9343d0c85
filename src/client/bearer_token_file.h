// A bearer token kept in a file (never on the command line, where `ps` shows it to every
// user), re-read when the file changes so that a rotated token needs no restart. Written
// for rotation by rename: a file caught empty or unreadable keeps the previous token.
#pragma once

#include <sys/types.h>

#include <ctime>
#include <memory>
#include <mutex>
#include <string>

#include "common/clock.h"
#include "common/status.h"

namespace kiln {

class BearerTokenFile {
 public:
  // Reads the token now (the file's contents without trailing newlines). INVALID_ARGUMENT
  // naming the file if it cannot be read, is empty, or holds characters a token cannot
  // (whitespace inside, control characters). Warns on stderr if the file is readable by
  // its group or others.
  static StatusOr<std::shared_ptr<BearerTokenFile>> Open(const std::string& path, const Clock* clock = SystemClock::Get());

  // The current token. Looks at the file at most once per second, and reads it again only
  // when it is another file or has changed (inode, size, modification time). Thread-safe.
  std::string Current();

  const std::string& path() const { return path_; }

 private:
  struct Identity {
    dev_t device = 0;
    ino_t inode = 0;
    off_t size = 0;
    timespec modified{};
    bool operator==(const Identity& other) const;
  };
  BearerTokenFile(std::string path, const Clock* clock) : path_(std::move(path)), clock_(clock) {}
  // Reads the token and the identity of the file it came from.
  static StatusOr<std::string> Read(const std::string& path, Identity& identity);

  const std::string path_;
  const Clock* const clock_;
  std::mutex mutex_;
  std::string token_;
  Identity identity_;
  TimePoint next_check_;
};

}  // namespace kiln
