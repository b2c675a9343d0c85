// The results of a `kiln bench` run as a table for people and as JSON for scripts (CI,
// comparisons): per scenario the rate, latency percentiles, errors with the first error
// message, and each throughput as a share of the machine limit it is bounded by.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "bench/load_runner.h"
#include "bench/machine_limits.h"

namespace kiln {

struct BenchReport {
  std::string target;
  Duration duration{};
  int connections = 0;
  int concurrency = 0;
  MachineLimits limits;
  std::vector<ScenarioResult> results;
};

// Throughput over the relevant limit (0.42 = 42%); nullopt when the scenario has none.
std::optional<double> ShareOfLimit(const ScenarioResult& result, const MachineLimits& limits);
// Bytes sent over the bytes of the blobs uploaded, for chunked uploads (0.03 = 3%).
std::optional<double> SentShare(const ScenarioResult& result);
// p50 latency above a bare fork/exec, for the one-stream uncached Execute scenario.
std::optional<Duration> ExecOverhead(const ScenarioResult& result, const MachineLimits& limits);

std::string FormatReportTable(const BenchReport& report);
// "729 us", "14.5 ms", "365 ms", "12.1 s".
std::string FormatLatency(Duration duration);
std::string FormatReportJson(const BenchReport& report);

}  // namespace kiln
