#include "bench/load_runner.h"

#include <sys/resource.h>
#include <unistd.h>

#include <condition_variable>
#include <cstdio>
#include <mutex>

namespace kiln {
namespace {

Duration ProcessCpuTime() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  const auto to_duration = [](const timeval& t) { return std::chrono::seconds(t.tv_sec) + std::chrono::microseconds(t.tv_usec); };
  return to_duration(usage.ru_utime) + to_duration(usage.ru_stime);
}

double PerSecond(double amount, Duration elapsed) {
  const double seconds = std::chrono::duration<double>(elapsed).count();
  return seconds > 0 ? amount / seconds : 0;
}

// The shared state of one run. Slots restart themselves from completion callbacks.
class LoadRun {
 public:
  LoadRun(Scenario& scenario, const LoadOptions& options, ScenarioResult& result)
      : scenario_(scenario), options_(options), result_(result) {}

  void Run() {
    start_ = SystemClock::Get()->Now();
    deadline_ = start_ + options_.duration;
    for (int slot = 0; slot < result_.in_flight; ++slot) {
      {
        std::lock_guard lock(mutex_);
        ++active_;
      }
      StartInSlot(slot);
    }
    std::unique_lock lock(mutex_);
    while (active_ > 0) {
      done_.wait_for(lock, std::chrono::milliseconds(250));
      if (options_.progress) PrintProgress();
    }
    result_.elapsed = last_completion_ - start_;
    if (options_.progress) std::fprintf(stderr, "\r\033[K");
  }

 private:
  void StartInSlot(int slot) {
    const TimePoint started = SystemClock::Get()->Now();
    const bool started_op =
        started < deadline_ && scenario_.Start(slot, [this, slot, started](OpResult op) { Finish(slot, started, op); });
    if (!started_op) {
      std::lock_guard lock(mutex_);
      if (started < deadline_) result_.ran_out = true;
      if (last_completion_ < start_) last_completion_ = started;
      if (--active_ == 0) done_.notify_all();
    }
  }

  void Finish(int slot, TimePoint started, const OpResult& op) {
    const TimePoint now = SystemClock::Get()->Now();
    {
      std::lock_guard lock(mutex_);
      last_completion_ = now;
      if (op.ok) {
        ++result_.ops;
        result_.bytes += op.bytes;
        result_.latency.Record(now - started);
      } else {
        if (result_.errors++ == 0) result_.first_error = op.error;
      }
    }
    StartInSlot(slot);
  }

  // REQUIRES: mutex_ held.
  void PrintProgress() {
    static const bool is_terminal = ::isatty(STDERR_FILENO) == 1;
    if (!is_terminal) return;
    const Duration elapsed = SystemClock::Get()->Now() - start_;
    std::fprintf(stderr, "\r\033[K%s: %llu ops, %.0f ops/s, %.1f MB/s, %llu errors, %.0f s",
                 result_.info.name.c_str(), static_cast<unsigned long long>(result_.ops),
                 PerSecond(static_cast<double>(result_.ops), elapsed),
                 PerSecond(static_cast<double>(result_.bytes) / 1e6, elapsed),
                 static_cast<unsigned long long>(result_.errors), std::chrono::duration<double>(elapsed).count());
  }

  Scenario& scenario_;
  const LoadOptions& options_;
  ScenarioResult& result_;
  TimePoint start_;
  TimePoint deadline_;
  std::mutex mutex_;
  std::condition_variable done_;
  int active_ = 0;  // Slots still running; guarded by mutex_.
  TimePoint last_completion_;  // Guarded by mutex_.
};

}  // namespace

double ScenarioResult::ops_per_second() const { return PerSecond(static_cast<double>(ops), elapsed); }
double ScenarioResult::mb_per_second() const { return PerSecond(static_cast<double>(bytes) / 1e6, elapsed); }

ScenarioResult RunScenario(Scenario& scenario, const LoadOptions& options) {
  ScenarioResult result;
  result.info = scenario.info();
  result.in_flight = result.info.in_flight > 0 ? result.info.in_flight : options.in_flight;
  if (Status prepared = scenario.Prepare(options.duration); !prepared.ok()) {
    result.setup_error = prepared.ToString();
    return result;
  }
  const Duration cpu_before = ProcessCpuTime();
  LoadRun(scenario, options, result).Run();
  result.client_cpu_cores = PerSecond(std::chrono::duration<double>(ProcessCpuTime() - cpu_before).count(), result.elapsed);
  return result;
}

}  // namespace kiln
