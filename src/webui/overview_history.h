// The last hour of the overview's numbers, a sample every ten seconds (the server's
// maintenance thread calls Add), for the queue-length and throughput charts: a page opened
// now still shows the past hour. 360 samples of a hundred bytes each. Thread-safe.
#pragma once

#include <cstddef>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

#include "webui/overview_sample.h"

namespace kiln {

class OverviewHistory {
 public:
  explicit OverviewHistory(size_t capacity = 360) : capacity_(capacity) {}

  // Forgets the oldest sample beyond the capacity.
  void Add(OverviewSample sample);
  // Oldest first.
  std::vector<OverviewSample> Samples() const;

 private:
  const size_t capacity_;
  mutable std::mutex mutex_;
  std::deque<OverviewSample> samples_;
};

// {"points": [{"unix_ms", "queued", "busy_slots", "requests_per_second",
// "actions_per_second"}, ...]}: levels as sampled, rates over the interval before each
// point (null for the first, and where a counter went back: the server restarted).
std::string HistoryJson(const std::vector<OverviewSample>& samples);

}  // namespace kiln
