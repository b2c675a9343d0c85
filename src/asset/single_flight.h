// Shares one run of an expensive call among the callers that ask for the same key while it
// runs: two clients fetching the same URI at once cause one download, and the second gets
// the first's result. A waiter gives up at its own deadline; a caller that wants a run
// started no earlier than some time (oldest_content_accepted) does not join an older one.
// Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace kiln {

template <typename Value>
class SingleFlight {
 public:
  using WallTime = std::chrono::system_clock::time_point;
  using Deadline = std::chrono::steady_clock::time_point;

  // Runs `run` and returns its value, unless a run for `key` that started at or after
  // `not_started_before` is under way: then waits for that run's value until `deadline`,
  // and returns nullopt if the deadline passes first.
  std::optional<Value> Run(const std::string& key, WallTime now, std::optional<WallTime> not_started_before,
                           Deadline deadline, const std::function<Value()>& run) {
    std::unique_lock lock(mutex_);
    auto found = flights_.find(key);
    if (found != flights_.end() && (!not_started_before || found->second->started >= *not_started_before)) {
      std::shared_ptr<Flight> flight = found->second;
      ++waiting_;
      const bool done = flight->finished.wait_until(lock, deadline, [&] { return flight->value.has_value(); });
      --waiting_;
      if (!done) return std::nullopt;
      return *flight->value;
    }
    if (found != flights_.end()) {  // Too old to join: run alone, leaving the older run registered.
      lock.unlock();
      return run();
    }
    auto flight = std::make_shared<Flight>();
    flight->started = now;
    flights_.emplace(key, flight);
    lock.unlock();
    Value value = run();
    lock.lock();
    flight->value = value;
    flights_.erase(key);
    flight->finished.notify_all();
    return value;
  }

  // Callers waiting for another's run right now (for tests and monitoring).
  int waiting() const {
    std::lock_guard lock(mutex_);
    return waiting_;
  }

 private:
  struct Flight {
    WallTime started;
    std::optional<Value> value;
    std::condition_variable finished;
  };
  mutable std::mutex mutex_;
  std::map<std::string, std::shared_ptr<Flight>> flights_;  // Guarded by mutex_.
  int waiting_ = 0;                                         // Guarded by mutex_.
};

}  // namespace kiln
