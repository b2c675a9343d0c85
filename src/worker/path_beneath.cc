#include "worker/path_beneath.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <unistd.h>
#include <sys/stat.h>

#include <cerrno>

namespace kiln {

StatusOr<std::vector<std::string>> RelativePathComponents(std::string_view path) {
  if (!path.empty() && path.front() == '/') return Status::InvalidArgument("path \"" + std::string(path) + "\" is absolute");
  std::vector<std::string> components;
  while (!path.empty()) {
    size_t slash = path.find('/');
    std::string_view component = path.substr(0, slash);
    if (component == "..") return Status::InvalidArgument("path \"" + std::string(path) + "\" contains \"..\"");
    if (!component.empty() && component != ".") components.emplace_back(component);
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return components;
}

StatusOr<UniqueFd> OpenDirectoryBeneath(int root_fd, const std::vector<std::string>& components,
                                        bool create_missing) {
  constexpr int kFlags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
  UniqueFd current(::fcntl(root_fd, F_DUPFD_CLOEXEC, 3));
  if (!current.valid()) return ErrnoStatus("dup", "directory fd", errno);
  std::string walked;
  for (const std::string& component : components) {
    walked += walked.empty() ? component : "/" + component;
    UniqueFd next(::openat(current.get(), component.c_str(), kFlags));
    if (!next.valid() && errno == ENOENT && create_missing) {
      if (::mkdirat(current.get(), component.c_str(), 0755) != 0 && errno != EEXIST) {
        return ErrnoStatus("mkdir", walked, errno);
      }
      next = UniqueFd(::openat(current.get(), component.c_str(), kFlags));
    }
    if (!next.valid()) {
      if (errno == ELOOP || errno == ENOTDIR) {
        return Status::FailedPrecondition(walked + " is not a directory (symlinks are not followed here)");
      }
      return ErrnoStatus("open", walked, errno);
    }
    current = std::move(next);
  }
  return current;
}

StatusOr<UniqueFd> OpenDirectory(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) return ErrnoStatus("open", path, errno);
  return fd;
}

StatusOr<std::vector<std::string>> ListDirectory(int dir_fd, const std::string& path) {
  int listing_fd = ::fcntl(dir_fd, F_DUPFD_CLOEXEC, 3);
  if (listing_fd < 0) return ErrnoStatus("dup", path, errno);
  DIR* dir = ::fdopendir(listing_fd);  // Takes ownership of listing_fd.
  if (dir == nullptr) {
    ::close(listing_fd);
    return ErrnoStatus("list", path, errno);
  }
  ::rewinddir(dir);  // The dup shares its position with dir_fd, which may have been read.
  std::vector<std::string> names;
  errno = 0;
  while (const dirent* entry = ::readdir(dir)) {
    std::string_view name = entry->d_name;
    if (name != "." && name != "..") names.emplace_back(name);
  }
  int error = errno;
  ::closedir(dir);
  if (error != 0) return ErrnoStatus("list", path, error);
  return names;
}

StatusOr<std::string> ReadSymlink(int dir_fd, const std::string& name, const std::string& path) {
  std::string target(PATH_MAX, '\0');
  ssize_t n = ::readlinkat(dir_fd, name.c_str(), target.data(), target.size());
  if (n < 0) return ErrnoStatus("readlink", path, errno);
  if (static_cast<size_t>(n) == target.size()) return Status::Internal("readlink " + path + ": target too long");
  target.resize(static_cast<size_t>(n));
  return target;
}

}  // namespace kiln
