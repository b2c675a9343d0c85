// Runs the real kiln binary as an unprivileged user, for tests of what holds "whoever kiln
// runs as": as nobody (65534) when the test runs as root, through util-linux's setpriv, and
// as the test's own user otherwise. The binary is copied to a directory that user can reach
// (the build tree may sit below a 0700 home directory), and data directories are handed
// to that user.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "kiln_process.h"

namespace kiln_test {

class UnprivilegedKiln {
 public:
  UnprivilegedKiln();
  // The command prefix for KilnProcess::StartWith; empty (and *why) if it cannot be run.
  const std::vector<std::string>& launcher() const { return launcher_; }
  const std::string& why_not() const { return why_not_; }
  uid_t uid() const { return uid_; }
  // Makes `directory` (empty, just created) the unprivileged user's.
  bool HandOver(const std::string& directory) const;

 private:
  TempDir binary_dir_;
  std::vector<std::string> launcher_;
  std::string why_not_;
  uid_t uid_;
  gid_t gid_;
};

}  // namespace kiln_test
