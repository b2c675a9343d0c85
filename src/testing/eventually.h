// For effects that happen on a background thread (evicted files being deleted): polls
// `condition` every 10 ms until it holds or `timeout` passes, and returns its last value.
#pragma once

#include <chrono>
#include <thread>

namespace kiln {

template <typename Condition>
bool Eventually(Condition condition, std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= deadline) return condition();
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

}  // namespace kiln
