#include "worker/output_tree.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>

#include "common/file_util.h"
#include "common/hasher.h"
#include "common/proto_digest.h"
#include "worker/path_beneath.h"

namespace kiln {

StatusOr<reapi::Tree> OutputTreeBuilder::Build(int dir_fd, const std::string& path) {
  seen_.clear();
  reapi::Tree tree;
  auto root = ReadDirectory(dir_fd, path, tree);
  if (!root.ok()) return root.status();
  *tree.mutable_root() = std::move(root).value();
  return tree;
}

StatusOr<reapi::Directory> OutputTreeBuilder::ReadDirectory(int dir_fd, const std::string& path, reapi::Tree& tree) {
  auto names = ListDirectory(dir_fd, path);
  if (!names.ok()) return names.status();
  std::sort(names->begin(), names->end());
  reapi::Directory directory;
  for (const std::string& name : *names) {
    const std::string entry_path = path + "/" + name;
    struct stat st {};
    if (::fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return ErrnoStatus("stat", entry_path, errno);
    if (S_ISREG(st.st_mode)) {
      UniqueFd file(::openat(dir_fd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
      if (!file.valid()) return ErrnoStatus("open", entry_path, errno);
      auto digest = uploader_->UploadOutputFile(dir_fd, name, file.get(), entry_path);
      if (!digest.ok()) return digest.status();
      reapi::FileNode* node = directory.add_files();
      node->set_name(name);
      *node->mutable_digest() = ToProto(*digest);
      node->set_is_executable((st.st_mode & S_IXUSR) != 0);
    } else if (S_ISDIR(st.st_mode)) {
      UniqueFd child_fd(::openat(dir_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (!child_fd.valid()) return ErrnoStatus("open", entry_path, errno);
      auto child = ReadDirectory(child_fd.get(), entry_path, tree);
      if (!child.ok()) return child.status();
      Digest digest = ComputeDigest(uploader_->function(), child->SerializeAsString());
      reapi::DirectoryNode* node = directory.add_directories();
      node->set_name(name);
      *node->mutable_digest() = ToProto(digest);
      if (seen_.insert(digest).second) *tree.add_children() = std::move(child).value();
    } else if (S_ISLNK(st.st_mode)) {
      auto target = ReadSymlink(dir_fd, name, entry_path);
      if (!target.ok()) return target.status();
      reapi::SymlinkNode* node = directory.add_symlinks();
      node->set_name(name);
      node->set_target(std::move(target).value());
    }
  }
  return directory;
}

}  // namespace kiln
