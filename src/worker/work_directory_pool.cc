#include "worker/work_directory_pool.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <iostream>

#include "common/file_util.h"
#include "worker/path_beneath.h"

namespace kiln {
namespace {

// What WorkDirectory::Create makes, and all a reusable directory may hold.
constexpr std::string_view kInputRoot = "root";
constexpr std::string_view kLogs[] = {"stdout", "stderr"};

// Makes a used work directory ready for the next action, or says why it cannot be.
Status CleanForReuse(const std::string& path) {
  UniqueFd dir(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!dir.valid()) return ErrnoStatus("open", path, errno);
  auto names = ListDirectory(dir.get(), path);
  if (!names.ok()) return names.status();
  for (const std::string& name : *names) {
    if (name != kInputRoot && std::find(std::begin(kLogs), std::end(kLogs), name) == std::end(kLogs)) {
      return Status::FailedPrecondition("the action left " + path + "/" + name);
    }
  }
  struct stat st {};
  if (::fstatat(dir.get(), "root", &st, AT_SYMLINK_NOFOLLOW) != 0) return ErrnoStatus("stat", path + "/root", errno);
  if (!S_ISDIR(st.st_mode)) return Status::FailedPrecondition(path + "/root is no longer a directory");
  KILN_RETURN_IF_ERROR(RemoveTreeContents(path + "/root"));
  // The action may have changed its input root's mode; the next one gets a fresh one's.
  if (::fchmodat(dir.get(), "root", 0755, 0) != 0) return ErrnoStatus("chmod", path + "/root", errno);
  for (std::string_view log : kLogs) {
    const std::string name(log);
    if (::fstatat(dir.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      if (errno == ENOENT) continue;
      return ErrnoStatus("stat", path + "/" + name, errno);
    }
    // Another link to it (an unsandboxed action can make one) would see the next action's output.
    if (!S_ISREG(st.st_mode) || st.st_nlink != 1) return Status::FailedPrecondition(path + "/" + name + " was replaced");
    if (st.st_size == 0) continue;
    UniqueFd file(::openat(dir.get(), name.c_str(), O_WRONLY | O_TRUNC | O_NOFOLLOW | O_CLOEXEC));
    if (!file.valid()) return ErrnoStatus("truncate", path + "/" + name, errno);
  }
  return Status::Ok();
}

void RemoveOrLog(const std::string& path) {
  Status status = RemoveTree(path);
  if (!status.ok()) std::cerr << "kiln: cannot remove work directory: " << status.ToString() << "\n";
}

}  // namespace

WorkDirectoryPool::~WorkDirectoryPool() {
  for (const std::string& path : idle_) RemoveOrLog(path);
}

StatusOr<std::unique_ptr<WorkDirectory>> WorkDirectoryPool::Acquire(std::string_view label) {
  std::string idle;
  {
    std::lock_guard lock(mutex_);
    if (!idle_.empty()) {
      idle = std::move(idle_.back());
      idle_.pop_back();
    }
  }
  if (!idle.empty()) {
    auto reused = Reuse(idle, label);
    if (reused.ok()) return reused;
    RemoveOrLog(idle);
  }
  auto created = WorkDirectory::Create(work_root_, label);
  if (created.ok()) (*created)->pool_ = this;
  return created;
}

StatusOr<std::unique_ptr<WorkDirectory>> WorkDirectoryPool::Reuse(std::string path, std::string_view label) {
  // Named for the new action, for people looking at the disk; the random suffix stays.
  const std::string renamed = work_root_ + "/" + std::string(label) + path.substr(path.rfind('-'));
  if (renamed != path) {
    if (::renameat2(AT_FDCWD, path.c_str(), AT_FDCWD, renamed.c_str(), RENAME_NOREPLACE) != 0) {
      return ErrnoStatus("rename work directory", path, errno);
    }
    path = renamed;
  }
  return std::unique_ptr<WorkDirectory>(new WorkDirectory(std::move(path), this));
}

void WorkDirectoryPool::Recycle(std::string path) {
  if (CleanForReuse(path).ok()) {
    std::lock_guard lock(mutex_);
    if (idle_.size() < max_idle_) {
      idle_.push_back(std::move(path));
      return;
    }
  }
  RemoveOrLog(path);
}

size_t WorkDirectoryPool::idle_count() {
  std::lock_guard lock(mutex_);
  return idle_.size();
}

}  // namespace kiln
