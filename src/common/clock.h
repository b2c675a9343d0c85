// Time as a dependency: production code asks a Clock, tests drive a FakeClock, so that
// retention, grace periods and timeouts are tested without sleeping.
#pragma once

#include <atomic>
#include <chrono>

namespace kiln {

using Duration = std::chrono::nanoseconds;
using TimePoint = std::chrono::time_point<std::chrono::steady_clock, Duration>;

class Clock {
 public:
  virtual ~Clock() = default;
  // Monotonic time, for deadlines and durations.
  virtual TimePoint Now() const = 0;
};

class SystemClock final : public Clock {
 public:
  TimePoint Now() const override { return std::chrono::steady_clock::now(); }
  static SystemClock* Get();
};

// A clock that only moves when told to. Thread-safe.
class FakeClock final : public Clock {
 public:
  TimePoint Now() const override { return TimePoint(Duration(now_.load())); }
  void Advance(Duration d) { now_ += d.count(); }

 private:
  std::atomic<int64_t> now_{1'000'000'000'000};
};

}  // namespace kiln
