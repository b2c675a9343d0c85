// Re-hashes every stored blob in turn, in the background, at a bounded average rate, to
// find damage that leaves a file's identity alone (bit rot, a failing disk, a write below
// the file system): reads trust a file whose identity has not changed since it was
// verified (file_identity.h), so without a scrubber such damage would be served.
//
// The rate is a byte budget per second of the injected clock: after hashing a blob of B
// bytes (at least min_bytes_per_blob) the scrubber waits until B / rate seconds have passed
// since it could start it. Idle
// time earns no credit, so it never bursts through several blobs to catch up. One blob is
// hashed in one go (a large blob is a burst of one core for size / 1.7 GB/s).
//
// Thread-safe; Step() is public so that tests drive the scrubber without its thread.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <thread>

#include "common/clock.h"
#include "common/digest.h"
#include "common/status.h"

namespace kiln {

// What the scrubber walks: DiskBlobStore, or a fake in tests.
class ScrubTarget {
 public:
  virtual ~ScrubTarget() = default;
  // The next blob to check, in a walk that wraps around; nullopt when there is none now.
  virtual std::optional<Digest> NextToScrub() = 0;
  // Hashes the blob's stored bytes, quarantining them if corrupt; returns the bytes hashed.
  virtual StatusOr<int64_t> Scrub(const Digest& digest) = 0;
};

struct BlobScrubberOptions {
  int64_t bytes_per_second = int64_t{64} << 20;  // REQUIRES: > 0.
  // What a blob costs the budget at least: opening, reading and closing a file costs about
  // as much as hashing this many bytes, and without a floor a store of small blobs was
  // walked over and over without pause (a core's third, forever, on a CAS of small blobs).
  int64_t min_bytes_per_blob = int64_t{256} << 10;
  // How long to wait when the target has nothing to scrub.
  Duration idle_wait = std::chrono::seconds(1);
  const Clock* clock = SystemClock::Get();
};

class BlobScrubber {
 public:
  // REQUIRES: `target` and the clock outlive the scrubber.
  BlobScrubber(ScrubTarget* target, const BlobScrubberOptions& options);
  // Stops the thread, if started, waiting for the blob it is hashing.
  ~BlobScrubber();
  BlobScrubber(const BlobScrubber&) = delete;
  BlobScrubber& operator=(const BlobScrubber&) = delete;

  // Runs Step() on a thread of its own, waiting between steps in real time.
  void Start();
  // Scrubs the next blob and returns how long to wait before the next step.
  Duration Step();

  int64_t bytes_scrubbed() const;
  int64_t blobs_scrubbed() const;

 private:
  void Run();

  ScrubTarget* const target_;
  const BlobScrubberOptions options_;
  mutable std::mutex mutex_;
  std::condition_variable stop_requested_;
  bool stopping_ = false;          // Guarded by mutex_.
  TimePoint next_start_{};         // Guarded by mutex_: when the budget allows the next blob.
  int64_t bytes_scrubbed_ = 0;     // Guarded by mutex_.
  int64_t blobs_scrubbed_ = 0;     // Guarded by mutex_.
  std::thread thread_;
};

}  // namespace kiln
