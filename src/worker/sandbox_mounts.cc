#include "worker/sandbox_mounts.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

namespace kiln {
namespace {

constexpr unsigned kCloneFlags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE;

// The attributes are set while the copy is still detached, so that no process ever sees it
// without them (a writable window on a host path).
int CloneTree(const char* path, uint64_t attributes) {
  int tree = static_cast<int>(::open_tree(AT_FDCWD, path, kCloneFlags));
  if (tree < 0 || attributes == 0) return tree;
  struct mount_attr attr {};
  attr.attr_set = attributes;
  if (::mount_setattr(tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof(attr)) != 0) {
    int error = errno;
    ::close(tree);
    errno = error;
    return -1;
  }
  return tree;
}

// Makes `path` the root. pivot_root(".", ".") stacks the old root on top of the new one,
// where it can be detached without needing a directory to park it in.
int PivotRoot(const char* path) {
  if (::chdir(path) != 0) return -1;
  if (::syscall(SYS_pivot_root, ".", ".") != 0) return -1;
  if (::umount2(".", MNT_DETACH) != 0) return -1;
  return ::chdir("/");
}

int ApplyStep(const MountStep& step, std::vector<int>& tree_fds) {
  const char* path = step.path.c_str();
  switch (step.op) {
    case MountOp::kMakePrivate:
      return ::mount(nullptr, path, nullptr, MS_REC | MS_PRIVATE, nullptr);
    case MountOp::kCloneTree:
      tree_fds[step.tree] = CloneTree(path, step.attributes);
      return tree_fds[step.tree] < 0 ? -1 : 0;
    case MountOp::kAttachTree: {
      int result = ::move_mount(tree_fds[step.tree], "", AT_FDCWD, path, MOVE_MOUNT_F_EMPTY_PATH);
      ::close(tree_fds[step.tree]);
      tree_fds[step.tree] = -1;
      return result;
    }
    case MountOp::kMountTmpfs:
      return ::mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV, step.options.c_str());
    case MountOp::kMountProc:
      return ::mount("proc", path, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr);
    case MountOp::kMakeDirectory:
      return ::mkdir(path, 0755) != 0 && errno != EEXIST ? -1 : 0;
    case MountOp::kMakeFile:
      return ::mknod(path, S_IFREG | 0444, 0) != 0 && errno != EEXIST ? -1 : 0;
    case MountOp::kMakeReadOnly: {
      struct mount_attr attr {};
      attr.attr_set = MOUNT_ATTR_RDONLY;
      return ::mount_setattr(AT_FDCWD, path, 0, &attr, sizeof(attr));
    }
    case MountOp::kPivotRoot:
      return PivotRoot(path);
  }
  errno = EINVAL;
  return -1;
}

}  // namespace

bool ApplyMountPlan(const std::vector<MountStep>& steps, std::vector<int>& tree_fds, MountFailure& failure) {
  for (size_t i = 0; i < steps.size(); ++i) {
    if (ApplyStep(steps[i], tree_fds) != 0) {
      failure.step = static_cast<int>(i);
      failure.error = errno;
      return false;
    }
  }
  return true;
}

}  // namespace kiln
