// For tests: a clock that moves forward by a fixed step each time it is read, so that code
// which checks a deadline between steps of work (staging inputs) sees time pass at a known
// rate without sleeping. Thread-safe. Test code only.
#pragma once

#include <atomic>

#include "common/clock.h"

namespace kiln::testing {

class TickingClock final : public Clock {
 public:
  explicit TickingClock(Duration step) : step_(step.count()) {}
  TimePoint Now() const override {
    reads_.fetch_add(1);
    return TimePoint(Duration(now_.fetch_add(step_) + step_));
  }
  int64_t reads() const { return reads_.load(); }

 private:
  const int64_t step_;
  mutable std::atomic<int64_t> now_{1'000'000'000'000};
  mutable std::atomic<int64_t> reads_{0};
};

}  // namespace kiln::testing
