// Uploads in progress, by resource name, so that an interrupted ByteStream Write can be
// resumed by a later stream (after QueryWriteStatus tells the client where to continue).
// An upload belongs to at most one stream at a time. Thread-safe.
//
// Every upload holds a temp file (a file descriptor), so the registry also bounds them: at
// most `max_open` uploads exist at once and one connection streams at most
// `max_per_connection` of them; beyond either a new upload is RESOURCE_EXHAUSTED, naming
// the flag. When `max_open` is reached, the least recently used interrupted upload (one no
// stream is writing) is dropped to make room: resumability is a convenience, a slot for a
// live stream is not. Interrupted uploads are dropped after `idle_timeout` anyway.
//
// A stream that sends no data for `stall_timeout` loses its upload (ReclaimStalled): the
// upload is dropped, not kept for resumption, because keeping it would keep its descriptor
// (reopening temp files on resume is not worth it for a client that stopped talking).
#pragma once

#include <cstdint>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "cas/blob_upload.h"
#include "common/clock.h"

namespace kiln {

struct UploadLimits {
  int64_t max_open = 4096;           // --max-open-uploads
  int64_t max_per_connection = 512;  // --max-uploads-per-connection
  Duration idle_timeout = std::chrono::minutes(10);   // --upload-idle-timeout
  Duration stall_timeout = std::chrono::minutes(1);   // --upload-stall-timeout
};

// The stream writing an upload, as the registry sees it: something to cancel.
class UploadStream {
 public:
  virtual ~UploadStream() = default;
  // Ends the stream from another thread; the stream then releases its claim as usual.
  virtual void Cancel() = 0;
};

class UploadRegistry {
 public:
  UploadRegistry(const Clock* clock, UploadLimits limits) : clock_(clock), limits_(limits) {}

  using Opener = std::function<StatusOr<std::unique_ptr<BlobUpload>>()>;
  struct Claimed {
    std::shared_ptr<BlobUpload> upload;
    uint64_t ticket = 0;  // Names this claim to Release and Remove.
  };
  // Returns the upload for `name` for exclusive use by a stream of `connection` (`stream`,
  // which may be null, is cancelled if it stalls), creating it with `open` if there is none
  // (called without the registry's lock: it may wait on the filesystem).
  // ABORTED if another stream is using it right now; RESOURCE_EXHAUSTED beyond the limits.
  StatusOr<Claimed> Claim(const std::string& name, const std::string& connection, std::shared_ptr<UploadStream> stream,
                          const Opener& open);
  // What Claim would answer right now short of opening: ABORTED or RESOURCE_EXHAUSTED, or
  // OK. Lets a refusal be made at once, without waiting for a thread that may open files.
  Status CheckRoom(const std::string& name, const std::string& connection);
  // What any new stream of `connection` would be told, whichever upload it goes on to name:
  // RESOURCE_EXHAUSTED when the connection streams its limit or every slot is streamed
  // (with an interrupted upload to drop, a new one has room), else OK. Asked before a
  // stream's first message is read, so that a flood's refused streams cost no data.
  Status CheckRoomForAny(const std::string& connection);
  // The stream stopped before finishing: keep the upload for a resuming stream. Does
  // nothing if the claim is no longer current (its upload was reclaimed).
  void Release(const std::string& name, uint64_t ticket);
  // The upload finished or failed for good: forget it.
  void Remove(const std::string& name, uint64_t ticket);
  // Bytes committed so far, if an upload under `name` is known.
  std::optional<int64_t> CommittedSize(const std::string& name);
  // Drops every upload whose stream has sent no data for stall_timeout and returns those
  // streams, for the caller to cancel (outside the registry's lock: a cancelled stream
  // calls back into the registry).
  std::vector<std::shared_ptr<UploadStream>> ReclaimStalled();
  // Uploads holding a temp file (streamed or interrupted).
  size_t size();
  // Uploads being streamed by `connection`.
  int64_t streaming(const std::string& connection);
  const UploadLimits& limits() const { return limits_; }

 private:
  struct Entry {
    std::shared_ptr<BlobUpload> upload;
    uint64_t ticket = 0;  // 0: no stream is writing it.
    std::string connection;  // Of the stream writing it.
    std::shared_ptr<UploadStream> stream;
    TimePoint last_used;     // Claimed or released.
    int64_t seen_size = 0;   // committed_size at the last sign of progress...
    TimePoint progress_at;   // ...seen then.
    std::list<std::string>::iterator idle_position;  // In idle_, when ticket == 0.
  };
  using Entries = std::map<std::string, Entry>;
  void DropIdleLocked();
  Status CheckRoomLocked(Entries::iterator it, const std::string& name, const std::string& connection);
  Status CheckConnectionLocked(const std::string& connection);
  Status MakeRoomLocked();
  Status TotalExhausted() const;  // Requires mutex_.
  // Marks an entry no stream writes any more as interrupted, now the most recently used.
  void MarkIdle(Entries::iterator it);
  void Unclaim(Entry& entry);
  Entries::iterator EraseLocked(Entries::iterator it);

  const Clock* clock_;
  const UploadLimits limits_;
  std::mutex mutex_;
  Entries uploads_;
  // Interrupted uploads, least recently used first: dropping idle ones and making room are
  // O(1) per upload, not a walk of every open upload on each Claim (at 4,096 open uploads
  // that walk took a third of the server's CPU under a flood of new streams).
  std::list<std::string> idle_;  // Names, oldest first.
  std::map<std::string, int64_t> streaming_;  // By connection; no zero counts.
  uint64_t next_ticket_ = 1;
};

}  // namespace kiln
