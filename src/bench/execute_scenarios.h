// Scenarios on the Execution service: a trivial command (/bin/true) executed uncached
// (every action has its own salt, so nothing is cached or merged) and cached (one action
// executed once before the clock, then served from the action cache), each with one
// stream for latency and with --concurrency streams for actions per second.
#pragma once

#include <memory>
#include <string>

#include "bench/bench_target.h"
#include "bench/scenario.h"

namespace kiln {

// The command the Execute scenarios run; also what the fork/exec baseline spawns.
inline constexpr char kTrivialCommand[] = "/bin/true";

enum class ExecuteStreams { kOne, kConcurrency };

std::unique_ptr<Scenario> NewExecuteUncachedScenario(BenchTarget* target, ExecuteStreams streams);
std::unique_ptr<Scenario> NewExecuteCachedScenario(BenchTarget* target, ExecuteStreams streams);

}  // namespace kiln
