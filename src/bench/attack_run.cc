#include "bench/attack_run.h"

#include <sstream>
#include <thread>

#include "bench/bench_report.h"
#include "bench/json_text.h"

namespace kiln {
namespace {

std::string JsonMilliseconds(Duration duration) {
  return JsonNumber(std::chrono::duration<double, std::milli>(duration).count());
}

}  // namespace

AttackResult RunAttack(Attack& attack, BenchTarget& target, Duration duration) {
  AttackResult result;
  result.info = attack.info();
  if (Status prepared = attack.Prepare(); !prepared.ok()) {
    result.setup_error = prepared.ToString();
    return result;
  }
  ProbeProcess probe;
  if (Status started = probe.Start(target.channels()->options(), target.instance_name()); !started.ok()) {
    result.setup_error = started.ToString();
    return result;
  }
  AttackTally tally;
  std::atomic<bool> stop{false};
  std::thread attacker([&] { attack.Run(stop, tally); });
  std::this_thread::sleep_for(duration);
  stop = true;
  attacker.join();
  auto summary = probe.Stop();
  if (summary.ok()) {
    result.probe = *summary;
  } else {
    result.setup_error = summary.status().ToString();
  }
  result.sent = tally.sent();
  result.refused = tally.refused();
  result.first_refusal = tally.first_refusal();
  result.answers_after = ResponsivenessProbe::AnswersWithin(*target.channels(), target.instance_name(), std::chrono::seconds(10));
  return result;
}

std::string FormatAttackTable(const std::vector<AttackResult>& results) {
  std::ostringstream out;
  out << "| attack | sent | refused | probe p50 | probe p99 | slowest | probe failures | held (p99 < 50 ms, no failures) |\n"
      << "|---|---:|---:|---:|---:|---:|---:|---|\n";
  for (const AttackResult& result : results) {
    if (!result.setup_error.empty()) {
      out << "| `" << result.info.name << "` | - | - | - | - | - | - | setup failed: " << result.setup_error << " |\n";
      continue;
    }
    const ProbeSummary& probe = result.probe;
    out << "| `" << result.info.name << "` | " << result.sent << " | " << result.refused << " | "
        << FormatLatency(probe.p50) << " | " << FormatLatency(probe.p99) << " | "
        << FormatLatency(probe.slowest) << " | " << probe.failures << "/" << probe.calls << " | "
        << (result.held() ? "yes" : "NO") << (result.answers_after ? "" : " (no answer afterwards)") << " |\n";
  }
  out << "\nFirst refusal per attack (what the server told the attacker):\n";
  for (const AttackResult& result : results) {
    if (!result.first_refusal.empty()) out << "- " << result.info.name << ": " << result.first_refusal.substr(0, 300) << "\n";
    if (!result.probe.first_failure.empty()) {
      out << "- " << result.info.name << ", probe: " << result.probe.first_failure.substr(0, 300) << "\n";
    }
  }
  return out.str();
}

std::string FormatAttackJson(const std::string& target, const std::vector<AttackResult>& results) {
  std::ostringstream out;
  out << "{\n  \"target\": " << JsonString(target) << ",\n  \"attacks\": [";
  for (size_t i = 0; i < results.size(); ++i) {
    const AttackResult& result = results[i];
    const ProbeSummary& probe = result.probe;
    out << (i == 0 ? "\n" : ",\n") << "    {\"name\": " << JsonString(result.info.name) << ", \"sent\": " << result.sent
        << ", \"refused\": " << result.refused << ", \"first_refusal\": " << JsonString(result.first_refusal)
        << ", \"setup_error\": " << JsonString(result.setup_error) << ", \"probe_calls\": " << probe.calls
        << ", \"probe_failures\": " << probe.failures
        << ", \"probe_first_failure\": " << JsonString(probe.first_failure)
        << ", \"probe_p50_ms\": " << JsonMilliseconds(probe.p50)
        << ", \"probe_p99_ms\": " << JsonMilliseconds(probe.p99)
        << ", \"probe_slowest_ms\": " << JsonMilliseconds(probe.slowest)
        << ", \"answers_after\": " << (result.answers_after ? "true" : "false")
        << ", \"held\": " << (result.held() ? "true" : "false") << "}";
  }
  out << "\n  ]\n}\n";
  return out.str();
}

}  // namespace kiln
