#include "worker/output_collector.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>

#include "common/file_util.h"
#include "common/proto_digest.h"
#include "worker/output_tree.h"
#include "worker/path_beneath.h"

namespace kiln {
namespace {

bool WantsDirectoryDigests(reapi::Command::OutputDirectoryFormat format) {
  return format == reapi::Command::DIRECTORY_ONLY || format == reapi::Command::TREE_AND_DIRECTORY;
}

}  // namespace

Status OutputCollector::Collect(int root_fd, const CommandPaths& paths, reapi::ActionResult& result) {
  for (const RequestedOutput& output : paths.outputs) {
    KILN_RETURN_IF_ERROR(CollectOne(root_fd, output, paths.uses_output_paths, result));
  }
  return Status::Ok();
}

Status OutputCollector::CollectOne(int root_fd, const RequestedOutput& output, bool uses_output_paths,
                                   reapi::ActionResult& result) {
  if (output.components.empty()) {  // The input root itself.
    UniqueFd root(::fcntl(root_fd, F_DUPFD_CLOEXEC, 3));
    if (!root.valid()) return ErrnoStatus("dup", "input root", errno);
    if (output.kind == OutputKind::kFile) return Status::FailedPrecondition("output file \"" + output.path + "\" is a directory");
    return AddDirectory(root.get(), output, result);
  }
  const std::vector<std::string> parent_components(output.components.begin(), output.components.end() - 1);
  auto parent = OpenDirectoryBeneath(root_fd, parent_components, /*create_missing=*/false);
  if (!parent.ok()) {
    const StatusCode code = parent.status().code();
    return code == StatusCode::kNotFound || code == StatusCode::kFailedPrecondition ? Status::Ok() : parent.status();
  }
  const std::string& name = output.components.back();
  struct stat st {};
  if (::fstatat(parent->get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    return errno == ENOENT || errno == ENOTDIR ? Status::Ok() : ErrnoStatus("stat output", output.path, errno);
  }
  if (S_ISLNK(st.st_mode)) return AddSymlink(parent->get(), name, output, uses_output_paths, result);
  if (S_ISREG(st.st_mode)) {
    if (output.kind == OutputKind::kDirectory) {
      return Status::FailedPrecondition("output directory \"" + output.path + "\" is a regular file");
    }
    return AddFile(parent->get(), name, output, result);
  }
  if (S_ISDIR(st.st_mode)) {
    if (output.kind == OutputKind::kFile) return Status::FailedPrecondition("output file \"" + output.path + "\" is a directory");
    UniqueFd dir(::openat(parent->get(), name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!dir.valid()) return ErrnoStatus("open output", output.path, errno);
    return AddDirectory(dir.get(), output, result);
  }
  return Status::Ok();  // A socket, fifo or device: nothing REAPI can represent.
}

Status OutputCollector::AddFile(int parent_fd, const std::string& name, const RequestedOutput& output,
                                reapi::ActionResult& result) {
  UniqueFd file(::openat(parent_fd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (!file.valid()) return ErrnoStatus("open output", output.path, errno);
  struct stat st {};
  if (::fstat(file.get(), &st) != 0) return ErrnoStatus("stat output", output.path, errno);
  auto digest = uploader_->UploadOutputFile(parent_fd, name, file.get(), "output " + output.path);
  if (!digest.ok()) return digest.status();
  reapi::OutputFile* entry = result.add_output_files();
  entry->set_path(output.path);
  *entry->mutable_digest() = ToProto(*digest);
  entry->set_is_executable((st.st_mode & S_IXUSR) != 0);
  return Status::Ok();
}

Status OutputCollector::AddDirectory(int dir_fd, const RequestedOutput& output, reapi::ActionResult& result) {
  OutputTreeBuilder builder(uploader_);
  auto tree = builder.Build(dir_fd, output.path);
  if (!tree.ok()) return tree.status().WithContext("output directory \"" + output.path + "\"");
  auto tree_digest = uploader_->UploadBytes(tree->SerializeAsString());
  if (!tree_digest.ok()) return tree_digest.status().WithContext("uploading the tree of " + output.path);
  reapi::OutputDirectory* entry = result.add_output_directories();
  entry->set_path(output.path);
  *entry->mutable_tree_digest() = ToProto(*tree_digest);
  entry->set_is_topologically_sorted(false);
  if (!WantsDirectoryDigests(format_)) return Status::Ok();
  // Each Directory is stored on its own too, so that clients can fetch the hierarchy
  // from root_directory_digest without the Tree.
  for (const reapi::Directory& child : tree->children()) {
    auto uploaded = uploader_->UploadBytes(child.SerializeAsString());
    if (!uploaded.ok()) return uploaded.status().WithContext("uploading a directory of " + output.path);
  }
  auto root_digest = uploader_->UploadBytes(tree->root().SerializeAsString());
  if (!root_digest.ok()) return root_digest.status().WithContext("uploading the root directory of " + output.path);
  *entry->mutable_root_directory_digest() = ToProto(*root_digest);
  return Status::Ok();
}

Status OutputCollector::AddSymlink(int parent_fd, const std::string& name, const RequestedOutput& output,
                                   bool uses_output_paths, reapi::ActionResult& result) {
  auto target = ReadSymlink(parent_fd, name, output.path);
  if (!target.ok()) return target.status();
  reapi::OutputSymlink* entry = uses_output_paths                    ? result.add_output_symlinks()
                                : output.kind == OutputKind::kFile ? result.add_output_file_symlinks()
                                                                   : result.add_output_directory_symlinks();
  entry->set_path(output.path);
  entry->set_target(std::move(target).value());
  return Status::Ok();
}

}  // namespace kiln
