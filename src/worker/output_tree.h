// Turns a directory the action produced into a REAPI Tree: the root Directory plus every
// distinct descendant Directory, entries sorted by name as REAPI requires. Regular files
// are uploaded to the CAS as they are found; symlinks become SymlinkNodes (never
// followed); other file types (sockets, fifos, devices) are left out. Everything is read
// relative to directory fds with O_NOFOLLOW, so nothing outside the directory is read.
#pragma once

#include <string>
#include <unordered_set>

#include "build/bazel/remote/execution/v2/remote_execution.pb.h"
#include "worker/cas_uploader.h"

namespace kiln {

namespace reapi = build::bazel::remote::execution::v2;

class OutputTreeBuilder {
 public:
  explicit OutputTreeBuilder(CasUploader* uploader) : uploader_(uploader) {}

  // `path` names the directory in error messages. Children are in first-seen order
  // (depth first), not topologically sorted.
  StatusOr<reapi::Tree> Build(int dir_fd, const std::string& path);

 private:
  StatusOr<reapi::Directory> ReadDirectory(int dir_fd, const std::string& path, reapi::Tree& tree);

  CasUploader* uploader_;
  std::unordered_set<Digest, DigestHash> seen_;
};

}  // namespace kiln
