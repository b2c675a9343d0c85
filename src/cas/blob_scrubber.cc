#include "cas/blob_scrubber.h"

#include <algorithm>
#include <iostream>

namespace kiln {

BlobScrubber::BlobScrubber(ScrubTarget* target, const BlobScrubberOptions& options)
    : target_(target), options_(options) {}

BlobScrubber::~BlobScrubber() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  stop_requested_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void BlobScrubber::Start() { thread_ = std::thread([this] { Run(); }); }

Duration BlobScrubber::Step() {
  const std::optional<Digest> digest = target_->NextToScrub();
  if (!digest) return options_.idle_wait;
  const TimePoint started = options_.clock->Now();
  auto hashed = target_->Scrub(*digest);
  if (!hashed.ok()) {
    std::cerr << "kiln: scrubbing blob " << digest->ToString() << ": " << hashed.status().ToString() << "\n";
    return options_.idle_wait;
  }
  std::lock_guard lock(mutex_);
  bytes_scrubbed_ += *hashed;
  ++blobs_scrubbed_;
  // The budget starts when this blob could start at the earliest: idle time is not saved up.
  const TimePoint budget_start = std::max(next_start_, started);
  const int64_t cost = std::max(*hashed, options_.min_bytes_per_blob);
  next_start_ = budget_start + std::chrono::duration_cast<Duration>(std::chrono::duration<double>(
                                   static_cast<double>(cost) / static_cast<double>(options_.bytes_per_second)));
  const TimePoint now = options_.clock->Now();
  return next_start_ > now ? next_start_ - now : Duration::zero();
}

void BlobScrubber::Run() {
  while (true) {
    const Duration wait = Step();
    std::unique_lock lock(mutex_);
    if (stop_requested_.wait_for(lock, wait, [this] { return stopping_; })) return;
  }
}

int64_t BlobScrubber::bytes_scrubbed() const {
  std::lock_guard lock(mutex_);
  return bytes_scrubbed_;
}

int64_t BlobScrubber::blobs_scrubbed() const {
  std::lock_guard lock(mutex_);
  return blobs_scrubbed_;
}

}  // namespace kiln
