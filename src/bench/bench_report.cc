#include "bench/bench_report.h"

#include <cstdio>
#include <sstream>

#include "bench/json_text.h"

namespace kiln {
namespace {

double Milliseconds(Duration duration) { return std::chrono::duration<double, std::milli>(duration).count(); }

std::string Printf(const char* format, double value) {
  char text[64];
  std::snprintf(text, sizeof(text), format, value);
  return text;
}

std::string FormatRate(const ScenarioResult& result) {
  if (result.info.unit == RateUnit::kBytes) return Printf("%.0f MB/s", result.mb_per_second());
  return Printf("%.0f/s", result.ops_per_second());
}

const char* LimitName(LimitKind kind) {
  switch (kind) {
    case LimitKind::kSha256: return "sha256";
    case LimitKind::kLoopbackTcp: return "loopback_tcp";
    case LimitKind::kNone: break;
  }
  return "";
}

std::string PadRight(std::string text, size_t width) {
  if (text.size() < width) text.append(width - text.size(), ' ');
  return text;
}
std::string PadLeft(const std::string& text, size_t width) {
  return text.size() < width ? std::string(width - text.size(), ' ') + text : text;
}


}  // namespace

std::string FormatLatency(Duration duration) {
  const double ms = Milliseconds(duration);
  if (ms < 1) return Printf("%.0f us", ms * 1000);
  if (ms < 100) return Printf("%.1f ms", ms);
  if (ms < 10'000) return Printf("%.0f ms", ms);
  return Printf("%.1f s", ms / 1000);
}

std::optional<double> ShareOfLimit(const ScenarioResult& result, const MachineLimits& limits) {
  double limit = 0;
  if (result.info.limit == LimitKind::kSha256) limit = limits.sha256_mb_per_s;
  if (result.info.limit == LimitKind::kLoopbackTcp) limit = limits.loopback_tcp_mb_per_s;
  if (limit <= 0 || result.ops == 0) return std::nullopt;
  return result.mb_per_second() / limit;
}

std::optional<double> SentShare(const ScenarioResult& result) {
  if (result.info.logical_bytes_per_op <= 0 || result.ops == 0) return std::nullopt;
  return static_cast<double>(result.bytes) /
         (static_cast<double>(result.ops) * static_cast<double>(result.info.logical_bytes_per_op));
}

std::optional<Duration> ExecOverhead(const ScenarioResult& result, const MachineLimits& limits) {
  // With several streams the latency is mostly queueing behind the worker slots.
  if (result.info.name.rfind("execute_uncached", 0) != 0 || result.in_flight != 1 || result.ops == 0) {
    return std::nullopt;
  }
  return result.latency.Percentile(0.5) - limits.fork_exec_p50;
}

std::string FormatReportTable(const BenchReport& report) {
  std::ostringstream out;
  out << "target " << report.target << ", " << Printf("%.0f s", std::chrono::duration<double>(report.duration).count())
      << " per scenario, " << report.connections << " connections, " << report.concurrency << " in flight\n"
      << "machine limits: SHA-256 " << Printf("%.0f MB/s", report.limits.sha256_mb_per_s) << " (one core), loopback TCP "
      << Printf("%.0f MB/s", report.limits.loopback_tcp_mb_per_s) << " (one stream), fork/exec p50 "
      << FormatLatency(report.limits.fork_exec_p50) << "\n\n";
  const size_t widths[] = {27, 6, 11, 9, 9, 9, 7, 8, 10};
  const char* headers[] = {"scenario", "flight", "rate", "p50", "p90", "p99", "errors", "of limit", "client cpu"};
  for (size_t i = 0; i < 9; ++i) out << (i == 0 ? PadRight(headers[i], widths[i]) : " " + PadLeft(headers[i], widths[i]));
  out << "  notes\n";
  std::vector<std::string> failures;
  for (const ScenarioResult& result : report.results) {
    const auto share = ShareOfLimit(result, report.limits);
    const std::string cells[] = {result.info.name,
                                 std::to_string(result.in_flight),
                                 result.setup_error.empty() ? FormatRate(result) : "-",
                                 FormatLatency(result.latency.Percentile(0.5)),
                                 FormatLatency(result.latency.Percentile(0.9)),
                                 FormatLatency(result.latency.Percentile(0.99)),
                                 std::to_string(result.errors),
                                 share ? Printf("%.0f%%", *share * 100) : "-",
                                 Printf("%.2f", result.client_cpu_cores)};
    for (size_t i = 0; i < 9; ++i) out << (i == 0 ? PadRight(cells[i], widths[i]) : " " + PadLeft(cells[i], widths[i]));
    std::vector<std::string> notes;
    if (const auto overhead = ExecOverhead(result, report.limits)) {
      notes.push_back("p50 " + FormatLatency(*overhead) + " over fork/exec");
    }
    if (const auto sent = SentShare(result)) {
      notes.push_back("sent " + Printf("%.2f%%", *sent * 100) + " of each " +
                      Printf("%.0f MiB", static_cast<double>(result.info.logical_bytes_per_op) / (1 << 20)) + " blob");
    }
    if (result.ran_out) notes.push_back("stopped early: pregenerated data used up");
    if (!result.setup_error.empty()) {
      notes.push_back("setup failed");
      failures.push_back(result.info.name + ": setup: " + result.setup_error);
    } else if (result.errors > 0) {
      failures.push_back(result.info.name + ": first error: " + result.first_error);
    }
    for (size_t i = 0; i < notes.size(); ++i) out << (i == 0 ? "  " : "; ") << notes[i];
    out << "\n";
  }
  out << "(rate: ops/s or MB/s with MB = 10^6 bytes; of limit: share of SHA-256 for writes, of loopback TCP for reads;\n"
         " client cpu: cores kiln bench itself used, on the same machine as the server)\n";
  for (const std::string& failure : failures) out << failure << "\n";
  return out.str();
}

std::string FormatReportJson(const BenchReport& report) {
  std::ostringstream out;
  out << "{\n  \"target\": " << JsonString(report.target)
      << ",\n  \"duration_s\": " << JsonNumber(std::chrono::duration<double>(report.duration).count())
      << ",\n  \"connections\": " << report.connections << ",\n  \"concurrency\": " << report.concurrency
      << ",\n  \"limits\": {\"sha256_mb_per_s\": " << JsonNumber(report.limits.sha256_mb_per_s)
      << ", \"loopback_tcp_mb_per_s\": " << JsonNumber(report.limits.loopback_tcp_mb_per_s)
      << ", \"fork_exec_p50_ms\": " << JsonNumber(Milliseconds(report.limits.fork_exec_p50)) << "},\n  \"scenarios\": [";
  for (size_t i = 0; i < report.results.size(); ++i) {
    const ScenarioResult& result = report.results[i];
    const auto share = ShareOfLimit(result, report.limits);
    const auto overhead = ExecOverhead(result, report.limits);
    const auto sent = SentShare(result);
    out << (i == 0 ? "\n" : ",\n") << "    {\"name\": " << JsonString(result.info.name)
        << ", \"description\": " << JsonString(result.info.description) << ", \"in_flight\": " << result.in_flight
        << ", \"ops\": " << result.ops << ", \"errors\": " << result.errors
        << ", \"first_error\": " << JsonString(result.first_error) << ", \"setup_error\": " << JsonString(result.setup_error)
        << ", \"bytes\": " << result.bytes
        << ", \"elapsed_s\": " << JsonNumber(std::chrono::duration<double>(result.elapsed).count())
        << ", \"ops_per_s\": " << JsonNumber(result.ops_per_second()) << ", \"mb_per_s\": " << JsonNumber(result.mb_per_second())
        << ", \"p50_ms\": " << JsonNumber(Milliseconds(result.latency.Percentile(0.5)))
        << ", \"p90_ms\": " << JsonNumber(Milliseconds(result.latency.Percentile(0.9)))
        << ", \"p99_ms\": " << JsonNumber(Milliseconds(result.latency.Percentile(0.99)))
        << ", \"limit\": " << JsonString(LimitName(result.info.limit))
        << ", \"share_of_limit\": " << (share ? JsonNumber(*share) : "null")
        << ", \"p50_over_fork_exec_ms\": " << (overhead ? JsonNumber(Milliseconds(*overhead)) : "null")
        << ", \"sent_share\": " << (sent ? JsonNumber(*sent) : "null")
        << ", \"client_cpu_cores\": " << JsonNumber(result.client_cpu_cores) << ", \"ran_out\": " << (result.ran_out ? "true" : "false") << "}";
  }
  out << "\n  ]\n}\n";
  return out.str();
}

}  // namespace kiln
