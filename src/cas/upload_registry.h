// Uploads in progress, by resource name, so that an interrupted ByteStream Write can be
// resumed by a later stream (after QueryWriteStatus tells the client where to continue).
// An upload belongs to at most one stream at a time; idle uploads are dropped after a
// timeout, which deletes their temp files. Thread-safe.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "cas/blob_upload.h"
#include "common/clock.h"

namespace kiln {

class UploadRegistry {
 public:
  UploadRegistry(const Clock* clock, Duration idle_timeout) : clock_(clock), idle_timeout_(idle_timeout) {}

  using Opener = std::function<StatusOr<std::unique_ptr<BlobUpload>>()>;
  // Returns the upload for `name` for exclusive use, creating it with `open` if there is
  // none. ABORTED if another stream is using it right now.
  StatusOr<std::shared_ptr<BlobUpload>> Claim(const std::string& name, const Opener& open);
  // The stream stopped before finishing: keep the upload for a resuming stream.
  void Release(const std::string& name);
  // The upload finished or failed for good: forget it.
  void Remove(const std::string& name);
  // Bytes committed so far, if an upload under `name` is known.
  std::optional<int64_t> CommittedSize(const std::string& name);
  size_t size();

 private:
  struct Entry {
    std::shared_ptr<BlobUpload> upload;
    bool in_use = false;
    TimePoint last_used;
  };
  void DropIdleLocked();

  const Clock* clock_;
  Duration idle_timeout_;
  std::mutex mutex_;
  std::map<std::string, Entry> uploads_;
};

}  // namespace kiln
