// Whether a running command's stdout or stderr file has grown past its limit: checked by
// the runners' wait loops on every tick (at most 50 ms apart), so a command can write at
// most a tick's worth more before it is killed (and RLIMIT_FSIZE bounds even that).
#pragma once

#include <sys/stat.h>

#include <cstdint>

namespace kiln {

class LogSizeWatch {
 public:
  // max_bytes 0: never exceeded.
  LogSizeWatch(int stdout_fd, int stderr_fd, int64_t max_bytes)
      : fds_{stdout_fd, stderr_fd}, max_bytes_(max_bytes) {}

  bool Exceeded() const {
    if (max_bytes_ <= 0) return false;
    for (int fd : fds_) {
      struct stat st {};
      if (fd >= 0 && ::fstat(fd, &st) == 0 && st.st_size > max_bytes_) return true;
    }
    return false;
  }

 private:
  int fds_[2];
  int64_t max_bytes_;
};

}  // namespace kiln
