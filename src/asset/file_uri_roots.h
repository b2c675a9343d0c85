// Which file:// URIs a fetch may read. A file URI reads the server's own filesystem, so
// only what lies under directories the operator named (`kiln serve --asset-file-roots`)
// is fetched; with none named, file URIs are refused. The check is made on the real path
// (symlinks resolved, `..` collapsed), and the fetch then reads that resolved path, so a
// URI cannot name one file for the check and another for the download.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/file_util.h"
#include "common/status.h"

namespace kiln {

class FileUriRoots {
 public:
  FileUriRoots() = default;  // No roots: every file URI is refused.
  // INVALID_ARGUMENT naming the root if one is not an existing directory.
  static StatusOr<FileUriRoots> FromDirectories(const std::vector<std::string>& roots);

  // The absolute real path a file URI ("file:///p", "file:/p", "file://localhost/p";
  // percent-escapes decoded, query and fragment ignored, as libcurl reads it) names, if it
  // lies under a root. PERMISSION_DENIED naming the URI and the flag if it does not,
  // NOT_FOUND if the file does not exist, INVALID_ARGUMENT for a URI that names a remote
  // host or is not a file URI.
  StatusOr<std::string> Resolve(std::string_view uri) const;

  // Opens the file a URI names for reading, as Resolve checks it, and so that it stays
  // checked: the resolved path is walked down from its root one component at a time
  // without following any symlink, so a directory swapped for a link after the check
  // cannot lead the read elsewhere (PERMISSION_DENIED then).
  StatusOr<UniqueFd> Open(std::string_view uri) const;

  // Whether an absolute real path (symlinks already resolved) lies under a root.
  bool Contains(const std::string& real_path) const;

  const std::vector<std::string>& roots() const { return roots_; }

 private:
  explicit FileUriRoots(std::vector<std::string> roots) : roots_(std::move(roots)) {}
  std::vector<std::string> roots_;  // Real paths, without a trailing slash (but "/").
};

// Whether `uri` is a file URI ("file:" followed by a slash).
bool IsFileUri(std::string_view uri);
// "file://" + `path` with every byte outside [A-Za-z0-9/._~-] percent-escaped: a URI that
// libcurl reads back as exactly `path`.
std::string FileUriForPath(std::string_view path);

}  // namespace kiln
