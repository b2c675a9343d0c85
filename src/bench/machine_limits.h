// What this machine can do at best, measured in the same run as the load so that every
// throughput can be shown as a share of the relevant limit: SHA-256 on one core bounds any
// verified upload, a loopback TCP copy bounds any download, and a bare fork/exec bounds
// how fast an action can possibly run.
#pragma once

#include <string>

#include "common/clock.h"
#include "common/status.h"

namespace kiln {

struct MachineLimits {
  double sha256_mb_per_s = 0;        // MB = 10^6 bytes.
  double loopback_tcp_mb_per_s = 0;  // One stream, 127.0.0.1.
  Duration fork_exec_p50{};          // posix_spawn + waitpid of the Execute scenarios' command.
};

// Hashes 1 MiB buffers with SHA-256 (OpenSSL EVP, as kiln's server does) on the calling
// thread for about `duration`.
double MeasureSha256MbPerSecond(Duration duration);
// One sender and one receiver thread copy 1 MiB buffers over a 127.0.0.1 TCP connection
// for about `duration`. INTERNAL if a socket call fails.
StatusOr<double> MeasureLoopbackTcpMbPerSecond(Duration duration);
// The median of `runs` posix_spawn + waitpid of `program` (no arguments). INTERNAL if it
// cannot be started or does not exit 0.
StatusOr<Duration> MeasureForkExecP50(const std::string& program, int runs);

StatusOr<MachineLimits> MeasureMachineLimits(Duration per_limit, const std::string& exec_program);

}  // namespace kiln
