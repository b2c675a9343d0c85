// Drives one scenario: keeps a fixed number of operations in flight until the duration is
// over (or the scenario's pregenerated data runs out), and measures ops, bytes, errors and
// the latency of every operation. Completions arrive on gRPC threads; each one starts the
// next operation in its slot, so the client never waits between requests.
#pragma once

#include <string>

#include "bench/latency_histogram.h"
#include "bench/scenario.h"

namespace kiln {

struct LoadOptions {
  Duration duration = std::chrono::seconds(10);
  int in_flight = 64;
  // Print a live "ops so far, rate" line on stderr (when it is a terminal).
  bool progress = false;
};

struct ScenarioResult {
  ScenarioInfo info;
  int in_flight = 0;
  uint64_t ops = 0;  // Successful operations.
  uint64_t errors = 0;
  std::string first_error;
  int64_t bytes = 0;
  Duration elapsed{};  // From the first start to the last completion.
  // CPU this process (the load generator) used over the run, in cores: shows when the
  // client, sharing the machine with the server, takes a large part of it.
  double client_cpu_cores = 0;
  bool ran_out = false;  // Stopped early: pregenerated data used up.
  LatencyHistogram latency;  // Successful operations only.
  std::string setup_error;  // Set when Prepare failed; nothing ran then.

  double ops_per_second() const;
  double mb_per_second() const;  // MB = 10^6 bytes.
};

// Prepares and runs `scenario`. Blocks until every started operation has completed.
ScenarioResult RunScenario(Scenario& scenario, const LoadOptions& options);

}  // namespace kiln
