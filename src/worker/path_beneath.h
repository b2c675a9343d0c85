// Path walking that cannot leave a directory: every component is opened relative to its
// parent's fd with O_NOFOLLOW, so neither a symlink from the input tree nor one the action
// created can redirect the worker (which may run as root) to a place outside the input
// root. Symlinks in the middle of a path are never followed; ".." is refused.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/file_util.h"
#include "common/status.h"

namespace kiln {

// The non-empty components of a relative path, "." dropped. INVALID_ARGUMENT for ".." or an
// absolute path.
StatusOr<std::vector<std::string>> RelativePathComponents(std::string_view path);

// Opens the directory `relative` (components as above) below `root_fd`.
// NOT_FOUND if a component is missing (and `create_missing` is false), FAILED_PRECONDITION
// if one is a symlink or not a directory. With `create_missing`, missing directories are
// created with mode 0755.
StatusOr<UniqueFd> OpenDirectoryBeneath(int root_fd, const std::vector<std::string>& components,
                                        bool create_missing);

StatusOr<UniqueFd> OpenDirectory(const std::string& path);

// The entry names of the open directory (without "." and ".."), in no particular order.
// `path` is for error messages.
StatusOr<std::vector<std::string>> ListDirectory(int dir_fd, const std::string& path);

// The target of the symlink `name` in `dir_fd`, verbatim.
StatusOr<std::string> ReadSymlink(int dir_fd, const std::string& name, const std::string& path);

}  // namespace kiln
