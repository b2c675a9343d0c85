#include "worker/sandbox_identity.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "common/file_util.h"

namespace kiln {
namespace {

Status WriteProcFile(pid_t child, const std::string& name, const std::string& content) {
  const std::string path = "/proc/" + std::to_string(child) + "/" + name;
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd.valid()) return ErrnoStatus("open", path, errno);
  KILN_RETURN_IF_ERROR(WriteAll(fd.get(), content).WithContext(path));
  return fd.Close();
}

Status HandOverDirectory(int dir_fd, const std::string& path, uid_t uid, gid_t gid) {
  struct stat st {};
  if (::fstat(dir_fd, &st) != 0) return ErrnoStatus("stat", path, errno);
  if ((st.st_uid != uid || st.st_gid != gid) && ::fchown(dir_fd, uid, gid) != 0) return ErrnoStatus("chown", path, errno);
  int listing_fd = ::fcntl(dir_fd, F_DUPFD_CLOEXEC, 3);
  if (listing_fd < 0) return ErrnoStatus("dup", path, errno);
  DIR* dir = ::fdopendir(listing_fd);  // Takes ownership of listing_fd.
  if (dir == nullptr) {
    ::close(listing_fd);
    return ErrnoStatus("list", path, errno);
  }
  Status status;
  errno = 0;
  while (const dirent* entry = ::readdir(dir)) {
    const std::string_view name = entry->d_name;
    if (name == "." || name == ".." || (entry->d_type != DT_DIR && entry->d_type != DT_UNKNOWN)) continue;
    // O_NOFOLLOW: a DT_UNKNOWN symlink or file simply fails to open as a directory.
    UniqueFd child(::openat(dir_fd, entry->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!child.valid()) {
      if (entry->d_type == DT_UNKNOWN && (errno == ENOTDIR || errno == ELOOP)) continue;
      status = ErrnoStatus("open", path + "/" + std::string(name), errno);
      break;
    }
    status = HandOverDirectory(child.get(), path + "/" + std::string(name), uid, gid);
    if (!status.ok()) break;
    errno = 0;
  }
  if (status.ok() && errno != 0) status = ErrnoStatus("list", path, errno);
  ::closedir(dir);
  return status;
}

}  // namespace

SandboxIdentity SandboxIdentityForThisServer() {
  if (::geteuid() == 0) return {kSandboxHostUid, kSandboxHostGid, true};
  return {::geteuid(), ::getegid(), false};
}

Status WriteIdMaps(pid_t child, const SandboxIdentity& identity) {
  if (!identity.separate_user) KILN_RETURN_IF_ERROR(WriteProcFile(child, "setgroups", "deny"));
  KILN_RETURN_IF_ERROR(WriteProcFile(child, "uid_map", "0 " + std::to_string(identity.host_uid) + " 1\n"));
  return WriteProcFile(child, "gid_map", "0 " + std::to_string(identity.host_gid) + " 1\n");
}

Status HandOverDirectories(const std::string& input_root, const SandboxIdentity& identity) {
  if (!identity.separate_user) return Status::Ok();
  UniqueFd root(::open(input_root.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!root.valid()) return ErrnoStatus("open input root", input_root, errno);
  return HandOverDirectory(root.get(), input_root, identity.host_uid, identity.host_gid);
}

std::string FirstUnsearchableAncestor(const std::string& path, const SandboxIdentity& identity) {
  if (!identity.separate_user) return "";
  for (size_t slash = path.find('/', 1); slash != std::string::npos; slash = path.find('/', slash + 1)) {
    const std::string ancestor = path.substr(0, slash);
    struct stat st {};
    if (::stat(ancestor.c_str(), &st) == 0 && (st.st_mode & S_IXOTH) == 0) return ancestor;
  }
  return "";
}

}  // namespace kiln
