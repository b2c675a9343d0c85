// What exec needs to start a command, built before fork: a child forked from a
// multi-threaded process may only make async-signal-safe calls until it execs (no
// allocation, no locks), so every string and pointer array is prepared here. Shared by the
// plain process runner and the sandbox.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "worker/runner.h"

namespace kiln {

struct ExecImage {
  std::vector<std::string> strings;  // Owns the bytes argv/envp/shell_argv point into.
  std::vector<char*> argv;
  std::vector<char*> envp;
  std::vector<char*> shell_argv;  // {"/bin/sh", <candidate>, argv[1..]}: execvp's ENOEXEC fallback.
  std::vector<std::string> candidates;  // Where arguments[0] may be, in PATH order.
  std::string working_directory;
  // (RLIMIT_*, value) pairs set as both soft and hard limit just before exec.
  std::vector<std::pair<int, uint64_t>> resource_limits;
  int nice = 0;  // Added to the niceness just before exec (at most 19 in all).
};

ExecImage MakeExecImage(const RunRequest& request);

// Lowers the priority by `nice`, sets `resource_limits` (lowering only: a limit above the current hard one is left
// alone), then execs the first candidate that works, by execvp's rules: search past missing entries,
// remember EACCES, give up on anything else; a file without a #! line runs under /bin/sh.
// Only returns on failure, with the errno to report. Async-signal-safe.
int ExecLikeExecvp(ExecImage& image);

}  // namespace kiln
