// Work directories kept for the next action instead of being made and removed for each.
//
// Every action used to create four inodes (its directory, the input root, stdout, stderr)
// and delete them again. On ext4 without a journal, as on this project's reference machine,
// allocating an inode skips every inode freed in the last few seconds, so at hundreds of
// actions a second that churn made file creation the largest kernel cost of execution.
// A recycled directory is renamed to the new action's label, its input root emptied and
// its stdout/stderr truncated: no inode is allocated or freed.
//
// A directory is only recycled if it holds nothing but those three entries, as regular
// files and a real directory; anything else the action left (it may have written next to
// its input root when unsandboxed) gets the directory removed instead.
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "worker/work_directory.h"

namespace kiln {

class WorkDirectoryPool {
 public:
  // Keeps at most `max_idle` directories for reuse; more are removed.
  explicit WorkDirectoryPool(std::string work_root, size_t max_idle = 64)
      : work_root_(std::move(work_root)), max_idle_(max_idle) {}
  WorkDirectoryPool(const WorkDirectoryPool&) = delete;
  WorkDirectoryPool& operator=(const WorkDirectoryPool&) = delete;
  // Removes the idle directories.
  ~WorkDirectoryPool();

  // A directory named `{label}-XXXXXX` with an empty input root, recycled if one is idle.
  StatusOr<std::unique_ptr<WorkDirectory>> Acquire(std::string_view label);

  size_t idle_count();

 private:
  friend class WorkDirectory;
  // Called when the action is done with `path`: cleans it for reuse or removes it.
  void Recycle(std::string path);
  StatusOr<std::unique_ptr<WorkDirectory>> Reuse(std::string path, std::string_view label);

  const std::string work_root_;
  const size_t max_idle_;
  std::mutex mutex_;
  std::vector<std::string> idle_;
};

}  // namespace kiln
