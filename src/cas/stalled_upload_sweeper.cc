#include "cas/stalled_upload_sweeper.h"

#include <algorithm>

namespace kiln {

Duration StalledUploadSweeper::Period(Duration stall_timeout) {
  return std::clamp<Duration>(stall_timeout / 4, std::chrono::milliseconds(50), std::chrono::seconds(5));
}

size_t StalledUploadSweeper::SweepOnce(UploadRegistry& uploads) {
  std::vector<std::shared_ptr<UploadStream>> stalled = uploads.ReclaimStalled();
  for (const std::shared_ptr<UploadStream>& stream : stalled) stream->Cancel();
  return stalled.size();
}

StalledUploadSweeper::StalledUploadSweeper(UploadRegistry* uploads) : uploads_(uploads) {
  const Duration period = Period(uploads->limits().stall_timeout);
  thread_ = std::thread([this, period] {
    std::unique_lock lock(mutex_);
    while (!wakeup_.wait_for(lock, period, [this] { return stopping_; })) {
      lock.unlock();
      SweepOnce(*uploads_);
      lock.lock();
    }
  });
}

StalledUploadSweeper::~StalledUploadSweeper() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wakeup_.notify_all();
  thread_.join();
}

}  // namespace kiln
