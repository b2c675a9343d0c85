#include "asset/tree_import.h"

#include <fcntl.h>

#include <cerrno>

#include "common/file_util.h"
#include "worker/output_tree.h"

namespace kiln {

namespace {

Status CheckDirectorySize(const reapi::Directory& directory, int64_t max_bytes) {
  const int64_t size = static_cast<int64_t>(directory.ByteSizeLong());
  if (size <= max_bytes) return Status::Ok();
  return Status::FailedPrecondition("the tree has a directory of " + std::to_string(directory.files_size()) +
                                    " files, " + std::to_string(directory.directories_size()) +
                                    " directories and " + std::to_string(directory.symlinks_size()) +
                                    " symlinks whose Directory message is " + std::to_string(size) +
                                    " bytes, over the limit of " + std::to_string(max_bytes) +
                                    " bytes for one message (--max-message-bytes)");
}

}  // namespace

StatusOr<Digest> ImportDirectoryTree(BlobStore& cas, DigestFunction function, const std::string& path,
                                     int64_t max_message_bytes) {
  UniqueFd dir_fd(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!dir_fd.valid()) return ErrnoStatus("open", path, errno);
  CasUploader uploader(&cas, function);
  auto tree = OutputTreeBuilder(&uploader).Build(dir_fd.get(), path);
  if (!tree.ok()) return tree.status();
  KILN_RETURN_IF_ERROR(CheckDirectorySize(tree->root(), max_message_bytes));
  for (const reapi::Directory& child : tree->children()) KILN_RETURN_IF_ERROR(CheckDirectorySize(child, max_message_bytes));
  for (const reapi::Directory& child : tree->children()) {
    auto stored = uploader.UploadBytes(child.SerializeAsString());
    if (!stored.ok()) return stored.status();
  }
  return uploader.UploadBytes(tree->root().SerializeAsString());
}

}  // namespace kiln
