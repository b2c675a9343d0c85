#include "asset/tree_import.h"

#include <fcntl.h>

#include <cerrno>

#include "common/file_util.h"
#include "worker/output_tree.h"

namespace kiln {

StatusOr<Digest> ImportDirectoryTree(BlobStore& cas, DigestFunction function, const std::string& path) {
  UniqueFd dir_fd(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!dir_fd.valid()) return ErrnoStatus("open", path, errno);
  CasUploader uploader(&cas, function);
  auto tree = OutputTreeBuilder(&uploader).Build(dir_fd.get(), path);
  if (!tree.ok()) return tree.status();
  for (const reapi::Directory& child : tree->children()) {
    auto stored = uploader.UploadBytes(child.SerializeAsString());
    if (!stored.ok()) return stored.status();
  }
  return uploader.UploadBytes(tree->root().SerializeAsString());
}

}  // namespace kiln
