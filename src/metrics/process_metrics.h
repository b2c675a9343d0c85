// The process's own vital signs, read from /proc/self at scrape time under the names every
// Prometheus client library uses (process_resident_memory_bytes, process_open_fds, ...),
// so that stock dashboards and alerts work on kiln unchanged.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "metrics/metric_registry.h"

namespace kiln::metrics {

struct ProcessStats {
  double cpu_seconds = 0;  // User and system.
  int64_t resident_bytes = 0;
  int64_t virtual_bytes = 0;
  int64_t threads = 0;
  double start_time_seconds = 0;  // Since the Unix epoch.
};

// Parses the contents of /proc/<pid>/stat; nullopt if malformed. `ticks_per_second` and
// `page_size` from sysconf, `boot_time_seconds` from /proc/stat's btime.
std::optional<ProcessStats> ParseProcStat(const std::string& stat, double ticks_per_second, int64_t page_size,
                                          double boot_time_seconds);

// Adds process_cpu_seconds_total, process_resident_memory_bytes,
// process_virtual_memory_bytes, process_threads, process_start_time_seconds,
// process_open_fds and process_max_fds.
void AddProcessMetrics(MetricRegistry& registry);

}  // namespace kiln::metrics
