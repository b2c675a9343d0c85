// Materializes an action's input tree (a Merkle tree of Directory messages in the CAS)
// into an empty directory: directories (0755, so the action can create outputs there),
// files (0444, or 0555 when executable, unless node_properties give a unix_mode) and
// symlinks (target written verbatim, never resolved).
//
// Files are hardlinked from the CAS's own file when `hardlink` is set and
// `local_blob_path` knows one, but only if the file needs nothing of its own: an
// executable file needs mode 0555 and a file with a unix_mode or mtime property needs
// that metadata, and setting either on a hardlink would change the CAS's inode. Those are
// copied, as is everything when the link fails (another filesystem, evicted blob).
//
// Every entry is created relative to its parent's fd with O_NOFOLLOW/O_EXCL, so a symlink
// staged earlier cannot redirect later entries outside the tree.
//
// Staging stops, between any two entries and between the chunks of a copy, once the run is
// cancelled or its deadline (the action's timeout, which staging counts against) passes.
// The size of the expanded tree is not checked here: Execute refused over-limit trees
// before queueing (execution/action_validation.h), and the tree staged is byte for byte the
// one checked, since it is named by its digest.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <unordered_map>

#include "build/bazel/remote/execution/v2/remote_execution.pb.h"
#include "cas/blob_store.h"
#include "cas/message_blob.h"
#include "common/clock.h"
#include "common/digest.h"
#include "common/file_util.h"

namespace kiln {

namespace reapi = build::bazel::remote::execution::v2;

struct InputStagerOptions {
  BlobStore* cas = nullptr;
  DigestFunction function = DigestFunction::kSha256;
  bool hardlink = false;
  std::function<std::string(const Digest&)> local_blob_path;
  // Directory messages over this are not read (FAILED_PRECONDITION).
  int64_t max_message_bytes = kDefaultMaxMessageBytes;
  // Staging gives up with DEADLINE_EXCEEDED once `clock` reaches `deadline`.
  const Clock* clock = SystemClock::Get();
  TimePoint deadline = TimePoint::max();
};

struct StagingStats {
  int64_t files_linked = 0;
  int64_t files_copied = 0;
  int64_t directories = 0;
};

class InputStager {
 public:
  InputStager(const InputStagerOptions& options, const std::atomic<bool>& cancelled)
      : options_(options), cancelled_(cancelled) {}

  // Stages the tree `root` into the empty directory open at `root_fd`.
  // FAILED_PRECONDITION (with the "blobs/{function/}{hash}/{size}" subject attached) if a blob is
  // missing from the CAS, or for a Directory over the message cap; CANCELLED if
  // `cancelled` was set, DEADLINE_EXCEEDED once the deadline passed, INVALID_ARGUMENT for
  // a malformed tree, INTERNAL for local failures. What was staged so far stays (the
  // caller's work directory removes it).
  Status Stage(const Digest& root, int root_fd);

  const StagingStats& stats() const { return stats_; }

 private:
  // CANCELLED or DEADLINE_EXCEEDED when staging must stop; OK otherwise.
  Status CheckInterrupted() const;
  StatusOr<const reapi::Directory*> LoadDirectory(const Digest& digest, const std::string& path);
  Status StageDirectory(const reapi::Directory& directory, int dir_fd, const std::string& path);
  Status StageFile(const reapi::FileNode& file, int dir_fd, const std::string& path);
  bool TryHardlink(const Digest& digest, int dir_fd, const std::string& name);
  // Returns the new file, still open for writing its metadata.
  StatusOr<UniqueFd> CopyBlob(const Digest& digest, int dir_fd, const std::string& name, const std::string& path);

  InputStagerOptions options_;
  const std::atomic<bool>& cancelled_;
  // Identical subtrees are common (e.g. the same headers under several paths); each
  // Directory message is fetched and parsed once.
  std::unordered_map<Digest, reapi::Directory, DigestHash> directories_;
  StagingStats stats_;
};

}  // namespace kiln
