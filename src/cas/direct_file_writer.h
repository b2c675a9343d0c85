// Writes a new file with O_DIRECT, through page-aligned staging buffers.
//
// Why: a large upload written through the page cache is copied into freshly allocated
// cache pages, and filling fresh pages is the dominant cost of a unique upload (on this
// project's VMs the host backs guest memory on first touch, which makes it cost more than
// hashing the data). With O_DIRECT the bytes go from a reused buffer to the device, and the
// kernel copies nothing. Small blobs keep using the page cache: for them the per-write
// latency of direct I/O would cost more than the copy it saves.
//
// A direct write blocks until the device has the data, so full buffers are written on
// `io_threads` while the caller (a gRPC callback thread) fills the next one. A writer borrows
// another buffer from the pool rather than wait for its own writes; it waits (for its oldest
// write) only when the pool has none left, and in Finish.
//
// Where a filesystem refuses O_DIRECT I/O (EINVAL), the writer drops the flag and carries
// on through the page cache, so correctness never depends on it.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <future>
#include <string>
#include <string_view>

#include "cas/staging_buffer_pool.h"
#include "common/blocking_task_pool.h"
#include "common/status.h"

namespace kiln {

class DirectFileWriter {
 public:
  // `fd`: a new, empty file opened with O_DIRECT; `path` names it in errors. Neither the
  // file, `buffers` nor `io_threads` (null: write on the caller's thread) is owned.
  DirectFileWriter(int fd, std::string path, StagingBufferPool::Lease first_buffer, StagingBufferPool* buffers,
                   BlockingTaskPool* io_threads);
  // Waits for a write still in flight: its buffer and file must outlive it.
  ~DirectFileWriter();
  DirectFileWriter(const DirectFileWriter&) = delete;
  DirectFileWriter& operator=(const DirectFileWriter&) = delete;

  Status Write(std::string_view data);
  // Writes out what is staged (the last block padded with zeros, then cut off again by
  // truncating the file to the bytes written). The buffers go back to their pool.
  Status Finish();

  int64_t bytes_written() const { return total_; }

 private:
  // Hands the full current buffer to an I/O thread (or writes it here) and moves on to
  // another buffer.
  Status WriteOutFullBuffer();
  // A buffer for the next bytes: one whose write has finished, a new one from the pool, or
  // (when the pool is empty) the oldest in-flight write's once it finishes. Empty only after
  // a write failed, with the failure returned.
  StatusOr<StagingBufferPool::Lease> NextBuffer();
  Status WaitForOldestWrite(StagingBufferPool::Lease* buffer);
  Status WaitForAllWrites();
  // Writes `bytes` from `data` at `offset`; drops O_DIRECT and retries on EINVAL.
  Status WriteBlock(const char* data, size_t bytes, int64_t offset);
  Status DropDirectIo();

  const int fd_;
  const std::string path_;
  StagingBufferPool* const buffers_;
  BlockingTaskPool* const io_threads_;
  struct WriteInFlight {
    std::future<Status> done;
    StagingBufferPool::Lease buffer;  // Held until the write is done.
  };
  StagingBufferPool::Lease current_;   // Being filled.
  std::deque<WriteInFlight> in_flight_;  // Oldest first.
  size_t staged_ = 0;      // Bytes in current_.
  int64_t flushed_ = 0;    // Bytes handed to the file (written or in flight).
  int64_t total_ = 0;      // Bytes given to Write().
  int64_t file_end_ = 0;   // Where the file ends, padding included.
  std::atomic<bool> direct_{true};
};

}  // namespace kiln
