#include "worker/work_directory.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <iostream>
#include <vector>

#include "common/file_util.h"
#include "worker/path_beneath.h"
#include "worker/work_directory_pool.h"

namespace kiln {
namespace {

// Lets the worker list and unlink inside a directory the action made read-only. Root needs
// no permission, so it never chmods (and cannot be raced into chmod'ing through a swapped
// symlink). A non-root worker could only be raced into chmod'ing its own files, which an
// action running as that user can chmod directly anyway.
void MakeDirectoryUsable(int parent_fd, const char* name, mode_t mode) {
  if (::geteuid() != 0 && (mode & S_IRWXU) != S_IRWXU) ::fchmodat(parent_fd, name, (mode & 07777) | S_IRWXU, 0);
}

Status RemoveEntries(int dir_fd, const std::string& path);

Status RemoveEntry(int parent_fd, const std::string& name, const std::string& path) {
  struct stat st {};
  if (::fstatat(parent_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    return errno == ENOENT ? Status::Ok() : ErrnoStatus("stat", path, errno);
  }
  if (S_ISDIR(st.st_mode)) {
    MakeDirectoryUsable(parent_fd, name.c_str(), st.st_mode);
    UniqueFd dir(::openat(parent_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!dir.valid()) return ErrnoStatus("open", path, errno);
    KILN_RETURN_IF_ERROR(RemoveEntries(dir.get(), path));
  }
  if (::unlinkat(parent_fd, name.c_str(), S_ISDIR(st.st_mode) ? AT_REMOVEDIR : 0) != 0 && errno != ENOENT) {
    return ErrnoStatus("remove", path, errno);
  }
  return Status::Ok();
}

Status RemoveEntries(int dir_fd, const std::string& path) {
  auto names = ListDirectory(dir_fd, path);
  if (!names.ok()) return names.status();
  for (const std::string& name : *names) KILN_RETURN_IF_ERROR(RemoveEntry(dir_fd, name, path + "/" + name));
  return Status::Ok();
}

}  // namespace

Status RemoveTree(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  const std::string parent = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
  UniqueFd parent_fd(::open(parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!parent_fd.valid()) return errno == ENOENT ? Status::Ok() : ErrnoStatus("open", parent, errno);
  return RemoveEntry(parent_fd.get(), path.substr(slash + 1), path);
}

Status RemoveTreeContents(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) MakeDirectoryUsable(AT_FDCWD, path.c_str(), st.st_mode);
  UniqueFd dir(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dir.valid()) return errno == ENOENT ? Status::Ok() : ErrnoStatus("open", path, errno);
  return RemoveEntries(dir.get(), path);
}

StatusOr<std::unique_ptr<WorkDirectory>> WorkDirectory::Create(const std::string& work_root, std::string_view label) {
  KILN_RETURN_IF_ERROR(MakeDirectories(work_root));
  std::string pattern = work_root + "/" + std::string(label) + "-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) return ErrnoStatus("create work directory in", work_root, errno);
  std::unique_ptr<WorkDirectory> directory(new WorkDirectory(pattern, nullptr));
  // mkdtemp's 0700 would stop a sandboxed action running under another uid from reaching
  // its input root at the same path; 0711 lets it pass without listing.
  if (::chmod(pattern.c_str(), 0711) != 0) return ErrnoStatus("chmod", pattern, errno);
  if (::mkdir(directory->input_root().c_str(), 0755) != 0) return ErrnoStatus("mkdir", directory->input_root(), errno);
  return directory;
}

WorkDirectory::~WorkDirectory() {
  if (pool_ != nullptr) {
    pool_->Recycle(std::move(path_));
    return;
  }
  Status status = RemoveTree(path_);
  if (!status.ok()) std::cerr << "kiln: cannot remove work directory: " << status.ToString() << "\n";
}

}  // namespace kiln
