// A shared allowance of bytes (memory held for many streams at once, say): takers get what
// is left up to what they ask for, and give it back when they let go. Thread-safe, lock-free.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>

namespace kiln {

class ByteBudget {
 public:
  explicit ByteBudget(int64_t total) : left_(total) {}

  // Takes up to `wanted` bytes and returns how many it got (0 when the budget is spent).
  int64_t TakeUpTo(int64_t wanted) {
    int64_t left = left_.load(std::memory_order_relaxed);
    while (true) {
      const int64_t granted = std::clamp<int64_t>(left, 0, wanted);
      if (granted == 0) return 0;
      if (left_.compare_exchange_weak(left, left - granted, std::memory_order_relaxed)) return granted;
    }
  }
  void GiveBack(int64_t bytes) { left_.fetch_add(bytes, std::memory_order_relaxed); }
  int64_t left() const { return left_.load(std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> left_;
};

}  // namespace kiln
