#include "worker/input_stager.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include "common/file_util.h"
#include "common/proto_digest.h"
#include "common/resource_name.h"

namespace kiln {
namespace {

constexpr size_t kCopyChunkBytes = 1 << 20;

Status MissingInput(const Digest& digest, const std::string& path) {
  std::string subject = MissingBlobSubject(digest);
  return Status::FailedPrecondition("input " + (path.empty() ? std::string("root directory") : path) + " (" +
                                    subject + ") is not in the CAS")
      .WithMissingBlobs({subject});
}

// Names come from a validated tree; checked again because a bad one would leave the tree.
Status CheckName(const std::string& name, const std::string& path) {
  if (name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos) {
    return Status::InvalidArgument("input " + path + ": \"" + name + "\" is not a valid file name");
  }
  return Status::Ok();
}

std::string Join(const std::string& parent, const std::string& name) {
  return parent.empty() ? name : parent + "/" + name;
}

bool HasOwnMetadata(const reapi::NodeProperties& properties) {
  return properties.has_unix_mode() || properties.has_mtime();
}

timespec ToTimespec(const google::protobuf::Timestamp& time) {
  return timespec{static_cast<time_t>(time.seconds()), static_cast<long>(time.nanos())};
}

// Mode and mtime from node_properties. REQUIRES: the inode is ours (a copy, a directory).
Status ApplyProperties(int fd, const reapi::NodeProperties& properties, const std::string& path) {
  if (properties.has_unix_mode() && ::fchmod(fd, properties.unix_mode().value() & 07777) != 0) {
    return ErrnoStatus("chmod", path, errno);
  }
  if (properties.has_mtime()) {
    const timespec times[2] = {{0, UTIME_OMIT}, ToTimespec(properties.mtime())};
    if (::futimens(fd, times) != 0) return ErrnoStatus("set mtime of", path, errno);
  }
  return Status::Ok();
}

}  // namespace

Status InputStager::Stage(const Digest& root, int root_fd) {
  auto directory = LoadDirectory(root, "");
  if (!directory.ok()) return directory.status();
  KILN_RETURN_IF_ERROR(StageDirectory(**directory, root_fd, ""));
  return ApplyProperties(root_fd, (*directory)->node_properties(), "input root");
}

Status InputStager::CheckInterrupted() const {
  if (cancelled_.load()) return Status::Cancelled("cancelled while staging inputs");
  if (options_.clock->Now() >= options_.deadline) {
    return Status(StatusCode::kDeadlineExceeded,
                  "the inputs were still being staged (" + std::to_string(stats_.files_linked + stats_.files_copied) +
                      " files and " + std::to_string(stats_.directories) + " directories staged by then)");
  }
  return Status::Ok();
}

StatusOr<const reapi::Directory*> InputStager::LoadDirectory(const Digest& digest, const std::string& path) {
  auto cached = directories_.find(digest);
  if (cached != directories_.end()) return &cached->second;
  reapi::Directory directory;
  Status read = ReadMessageBlob(*options_.cas, digest, options_.max_message_bytes,
                                "input directory " + (path.empty() ? std::string("(the root)") : path), directory);
  if (read.code() == StatusCode::kNotFound) return MissingInput(digest, path);
  if (!read.ok()) return read;
  return &directories_.emplace(digest, std::move(directory)).first->second;
}

Status InputStager::StageDirectory(const reapi::Directory& directory, int dir_fd, const std::string& path) {
  KILN_RETURN_IF_ERROR(CheckInterrupted());
  ++stats_.directories;
  for (const reapi::FileNode& file : directory.files()) {
    KILN_RETURN_IF_ERROR(CheckInterrupted());
    KILN_RETURN_IF_ERROR(CheckName(file.name(), path));
    KILN_RETURN_IF_ERROR(StageFile(file, dir_fd, Join(path, file.name())));
  }
  for (const reapi::SymlinkNode& symlink : directory.symlinks()) {
    KILN_RETURN_IF_ERROR(CheckInterrupted());
    const std::string symlink_path = Join(path, symlink.name());
    KILN_RETURN_IF_ERROR(CheckName(symlink.name(), path));
    if (::symlinkat(symlink.target().c_str(), dir_fd, symlink.name().c_str()) != 0) {
      return ErrnoStatus("create symlink", symlink_path, errno);
    }
    if (symlink.node_properties().has_mtime()) {
      const timespec times[2] = {{0, UTIME_OMIT}, ToTimespec(symlink.node_properties().mtime())};
      if (::utimensat(dir_fd, symlink.name().c_str(), times, AT_SYMLINK_NOFOLLOW) != 0) {
        return ErrnoStatus("set mtime of", symlink_path, errno);
      }
    }
  }
  for (const reapi::DirectoryNode& child : directory.directories()) {
    const std::string child_path = Join(path, child.name());
    KILN_RETURN_IF_ERROR(CheckName(child.name(), path));
    auto digest = FromProto(options_.function, child.digest(), child_path);
    if (!digest.ok()) return digest.status();
    auto child_directory = LoadDirectory(*digest, child_path);
    if (!child_directory.ok()) return child_directory.status();
    if (::mkdirat(dir_fd, child.name().c_str(), 0755) != 0) return ErrnoStatus("mkdir", child_path, errno);
    UniqueFd child_fd(::openat(dir_fd, child.name().c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!child_fd.valid()) return ErrnoStatus("open", child_path, errno);
    KILN_RETURN_IF_ERROR(StageDirectory(**child_directory, child_fd.get(), child_path));
    // After the contents: adding entries would bump the mtime, and a read-only mode would
    // stop them from being added at all.
    KILN_RETURN_IF_ERROR(ApplyProperties(child_fd.get(), (*child_directory)->node_properties(), child_path));
  }
  return Status::Ok();
}

Status InputStager::StageFile(const reapi::FileNode& file, int dir_fd, const std::string& path) {
  auto digest = FromProto(options_.function, file.digest(), path);
  if (!digest.ok()) return digest.status();
  const bool shares_cas_metadata = !file.is_executable() && !HasOwnMetadata(file.node_properties());
  if (shares_cas_metadata && TryHardlink(*digest, dir_fd, file.name())) {
    ++stats_.files_linked;
    return Status::Ok();
  }
  auto copy = CopyBlob(*digest, dir_fd, file.name(), path);
  if (!copy.ok()) return copy.status();
  ++stats_.files_copied;
  if (::fchmod(copy->get(), file.is_executable() ? 0555 : 0444) != 0) return ErrnoStatus("chmod", path, errno);
  KILN_RETURN_IF_ERROR(ApplyProperties(copy->get(), file.node_properties(), path));
  return copy->Close().WithContext("writing input " + path);
}

bool InputStager::TryHardlink(const Digest& digest, int dir_fd, const std::string& name) {
  if (!options_.hardlink || !options_.local_blob_path || digest.IsEmptyBlob()) return false;
  const std::string source = options_.local_blob_path(digest);
  // Any failure (not local, evicted, EXDEV, EMLINK) falls back to a copy through the CAS,
  // which also reports a really missing blob properly.
  return !source.empty() && ::linkat(AT_FDCWD, source.c_str(), dir_fd, name.c_str(), 0) == 0;
}

StatusOr<UniqueFd> InputStager::CopyBlob(const Digest& digest, int dir_fd, const std::string& name, const std::string& path) {
  auto reader = options_.cas->OpenRead(digest, 0);
  if (!reader.ok()) {
    if (reader.status().code() == StatusCode::kNotFound) return MissingInput(digest, path);
    return reader.status().WithContext("reading input " + path);
  }
  UniqueFd out(::openat(dir_fd, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!out.valid()) return ErrnoStatus("create", path, errno);
  std::vector<char> buffer(std::min<size_t>(kCopyChunkBytes, static_cast<size_t>(digest.size()) + 1));
  int64_t copied = 0;
  while (true) {
    KILN_RETURN_IF_ERROR(CheckInterrupted());  // A large copy takes seconds.
    auto n = (*reader)->Read(buffer.data(), buffer.size());
    // A corrupt stored copy (quarantined now) is a missing input: the client uploads it
    // again, and the action never runs on the bytes copied so far.
    if (!n.ok() && n.status().code() == StatusCode::kDataLoss) return MissingInput(digest, path);
    if (!n.ok()) return n.status().WithContext("reading input " + path);
    if (*n == 0) break;
    KILN_RETURN_IF_ERROR(WriteAll(out.get(), std::string_view(buffer.data(), *n)).WithContext("writing input " + path));
    copied += static_cast<int64_t>(*n);
  }
  if (copied != digest.size()) {
    return Status::DataLoss("input " + path + ": blob " + digest.ToString() + " ended after " + std::to_string(copied) + " bytes");
  }
  return out;
}

}  // namespace kiln
