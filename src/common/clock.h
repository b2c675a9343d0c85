// Time as a dependency: production code asks a Clock, tests drive a FakeClock, so that
// retention, grace periods and timeouts are tested without sleeping.
#pragma once

#include <atomic>
#include <chrono>

namespace kiln {

using Duration = std::chrono::nanoseconds;
using TimePoint = std::chrono::time_point<std::chrono::steady_clock, Duration>;
using WallTimePoint = std::chrono::system_clock::time_point;

class Clock {
 public:
  virtual ~Clock() = default;
  // Monotonic time, for deadlines and durations.
  virtual TimePoint Now() const = 0;
  // Calendar time, for comparing with timestamps that come from elsewhere (a token's
  // expiry). Not monotonic: never use it to measure a duration.
  virtual WallTimePoint WallNow() const { return std::chrono::system_clock::now(); }
};

class SystemClock final : public Clock {
 public:
  TimePoint Now() const override { return std::chrono::steady_clock::now(); }
  static SystemClock* Get();
};

// A clock that only moves when told to; its wall time starts at kWallStart and moves with
// Advance. Thread-safe.
class FakeClock final : public Clock {
 public:
  // 2023-11-14T22:13:20Z: a fixed calendar date, so that tests build timestamps around it.
  static constexpr std::chrono::seconds kWallStart{1'700'000'000};

  TimePoint Now() const override { return TimePoint(Duration(now_.load())); }
  WallTimePoint WallNow() const override {
    return WallTimePoint(std::chrono::duration_cast<WallTimePoint::duration>(
        kWallStart + Duration(now_.load() - kStart)));
  }
  void Advance(Duration d) { now_ += d.count(); }

 private:
  static constexpr int64_t kStart = 1'000'000'000'000;
  std::atomic<int64_t> now_{kStart};
};

}  // namespace kiln
