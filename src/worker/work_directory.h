// The private directory one action runs in, and its removal. Layout:
//   {work_root}/{label}-XXXXXX/root     the input root (the action's tree)
//   {work_root}/{label}-XXXXXX/stdout   outside the input root, so that outputs cannot
//   {work_root}/{label}-XXXXXX/stderr   name or clobber them
//
// Removal must cope with whatever the action left: read-only directories are made
// writable first. File modes are never touched: a file may be a hardlink to a CAS blob,
// and chmod on it would change the CAS's own inode.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"

namespace kiln {

class WorkDirectoryPool;

class WorkDirectory {
 public:
  // Creates work_root if needed, then a fresh directory below it whose name starts with
  // `label` (for people looking at the disk), and the empty input root.
  static StatusOr<std::unique_ptr<WorkDirectory>> Create(const std::string& work_root, std::string_view label);
  // Removes the whole directory, or hands it back to the pool it came from; failures are
  // logged, since there is no caller to tell.
  ~WorkDirectory();
  WorkDirectory(const WorkDirectory&) = delete;
  WorkDirectory& operator=(const WorkDirectory&) = delete;

  const std::string& path() const { return path_; }
  std::string input_root() const { return path_ + "/root"; }
  std::string stdout_path() const { return path_ + "/stdout"; }
  std::string stderr_path() const { return path_ + "/stderr"; }

 private:
  friend class WorkDirectoryPool;
  WorkDirectory(std::string path, WorkDirectoryPool* pool) : path_(std::move(path)), pool_(pool) {}
  std::string path_;
  WorkDirectoryPool* pool_;  // null: removed when done
};

// Removes `path` and everything below it (OK if it does not exist). Symlinks are removed,
// never followed.
Status RemoveTree(const std::string& path);
// Removes everything below the directory `path` but keeps the directory itself.
Status RemoveTreeContents(const std::string& path);

}  // namespace kiln
