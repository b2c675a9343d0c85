// The responsiveness probe in a process of its own, so that what it measures is the server
// and not the attacker: an attack that keeps 20,000 streams open keeps its own process's
// gRPC threads busy, and a probe sharing them saw p99s of over a second while a probe in
// another process saw 3 ms from the same server at the same time.
//
// The parent starts `kiln attack-probe TARGET INSTANCE [--tls-ca FILE ...]` (this binary,
// /proc/self/exe): the target and the client connection flags on its command line (only
// file names, never a token); the child probes until its stdin closes, then prints a
// ProbeSummary and exits.
#pragma once

#include <sys/types.h>

#include <string>

#include "bench/responsiveness_probe.h"
#include "client/client_connection_options.h"
#include "common/status.h"

namespace kiln {

// What a probe saw, reduced to what an attack's verdict needs.
struct ProbeSummary {
  int64_t calls = 0;
  int64_t failures = 0;
  Duration p50 = Duration::zero();
  Duration p99 = Duration::zero();
  Duration slowest = Duration::zero();
  std::string first_failure;
};

ProbeSummary Summarize(const ProbeResult& result);
// One line of numbers, then the first failure (which may be empty) on a line of its own.
std::string FormatProbeSummary(const ProbeSummary& summary);
StatusOr<ProbeSummary> ParseProbeSummary(const std::string& text);

class ProbeProcess {
 public:
  ProbeProcess() = default;
  ~ProbeProcess();
  ProbeProcess(const ProbeProcess&) = delete;
  ProbeProcess& operator=(const ProbeProcess&) = delete;

  // Starts probing `connection`'s target; INTERNAL if the child cannot be started.
  Status Start(const ClientConnectionOptions& connection, const std::string& instance_name);
  // Tells the child to stop and returns its summary; INTERNAL if it died or said nothing.
  StatusOr<ProbeSummary> Stop();

 private:
  pid_t pid_ = -1;
  int to_child_ = -1;
  int from_child_ = -1;
};

// The child's side: probes until stdin reaches EOF, then prints the summary. Exit code 0,
// or 1 if the connection options are unusable.
int RunProbeChild(const ClientConnectionOptions& connection, const std::string& instance_name);

}  // namespace kiln
