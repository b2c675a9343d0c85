// Runs one attack for a while with a ResponsivenessProbe beside it (in a process of its own,
// probe_process.h), and judges the result:
// the server held when every probe call succeeded, their p99 stayed under 50 ms, and the
// server answers a new connection once the attack has let go.
#pragma once

#include <string>
#include <vector>

#include "bench/attack.h"
#include "bench/bench_target.h"
#include "bench/probe_process.h"

namespace kiln {

inline constexpr Duration kResponsiveP99 = std::chrono::milliseconds(50);

struct AttackResult {
  AttackInfo info;
  std::string setup_error;  // Prepare failed: nothing ran.
  int64_t sent = 0;
  int64_t refused = 0;
  std::string first_refusal;
  ProbeSummary probe;
  bool answers_after = false;

  bool held() const {
    return setup_error.empty() && probe.failures == 0 && probe.calls > 0 &&
           probe.p99 < kResponsiveP99 && answers_after;
  }
};

// The probe reaches the target the way `target` does (same TLS files and token).
AttackResult RunAttack(Attack& attack, BenchTarget& target, Duration duration);

// One row per attack: requests sent and refused (with the first refusal), the probe's
// p50/p99/slowest and failures, and whether the server held.
std::string FormatAttackTable(const std::vector<AttackResult>& results);
// The same as JSON, for scripts and tests: {"target": ..., "attacks": [{"name", "sent",
// "refused", "first_refusal", "setup_error", "probe_calls", "probe_failures",
// "probe_first_failure", "probe_p50_ms", "probe_p99_ms", "probe_slowest_ms",
// "answers_after", "held"}, ...]}.
std::string FormatAttackJson(const std::string& target, const std::vector<AttackResult>& results);

}  // namespace kiln
