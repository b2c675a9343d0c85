// Cancels upload streams that stopped sending data: a thread that asks the UploadRegistry for
// stalled streams a few times per stall timeout (at least every 5 s) and cancels them, so
// that a client holding thousands of silent Writes open gives their descriptors back.
#pragma once

#include <condition_variable>
#include <mutex>
#include <thread>

#include "cas/upload_registry.h"

namespace kiln {

class StalledUploadSweeper {
 public:
  // `uploads` is not owned and must outlive the sweeper.
  explicit StalledUploadSweeper(UploadRegistry* uploads);
  // Stops the thread.
  ~StalledUploadSweeper();
  StalledUploadSweeper(const StalledUploadSweeper&) = delete;
  StalledUploadSweeper& operator=(const StalledUploadSweeper&) = delete;

  // One sweep: reclaims stalled uploads and cancels their streams. Returns how many.
  static size_t SweepOnce(UploadRegistry& uploads);
  // How often the thread sweeps for `stall_timeout`.
  static Duration Period(Duration stall_timeout);

 private:
  UploadRegistry* const uploads_;
  std::mutex mutex_;
  std::condition_variable wakeup_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace kiln
