// Where a thread's increments land: every counter and histogram keeps kMetricShards copies
// of its cells, each on cache lines of its own, and a thread always writes the same copy.
// Two cores bumping one request counter would otherwise pass its cache line back and forth
// on every call; a scrape sums the copies instead, which is rare and may be slow.
#pragma once

#include <atomic>
#include <cstddef>

namespace kiln::metrics {

inline constexpr size_t kMetricShards = 16;

// A round-robin number taken by each thread on its first increment.
size_t NextMetricShard();

inline size_t ThisThreadShard() {
  // Constant-initialized, so that reading it needs no guard (a dynamic initializer would
  // cost a call to the TLS wrapper on every increment).
  constexpr size_t kUnassigned = ~size_t{0};
  thread_local size_t shard = kUnassigned;
  if (shard == kUnassigned) [[unlikely]] shard = NextMetricShard();
  return shard;
}

}  // namespace kiln::metrics
