// Runs one command to completion in a prepared directory. Two implementations: a plain
// process in its own process group, and a Linux-namespace sandbox (user, mount, pid, ipc,
// network) with the host filesystem read-only. Staging inputs and collecting outputs is
// the caller's job (ActionExecutor); a Runner only runs.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "worker/action_cgroup.h"

namespace kiln {

// What the command's processes may consume; zero = unlimited. Enforced with rlimits in each
// of them (RLIMIT_NPROC counts per user namespace in the sandbox, per host user without it,
// where root is exempt), and the logs' size by the runner's wait loop.
struct RunLimits {
  int64_t max_processes = 0;     // RLIMIT_NPROC.
  int64_t max_memory_bytes = 0;  // RLIMIT_DATA: heap and private writable mappings, per process.
  int64_t max_file_bytes = 0;    // RLIMIT_FSIZE: a write beyond it kills the writer (SIGXFSZ).
  int64_t max_log_bytes = 0;     // stdout or stderr larger than this: the command is killed.
  int nice = 0;                  // Added to the command's niceness (0..19) before exec.
};

struct RunRequest {
  std::vector<std::string> arguments;  // argv; arguments[0] is resolved like execvp does,
                                       // using PATH from `environment` (not the server's).
  // The complete environment: nothing is inherited from the server.
  std::vector<std::pair<std::string, std::string>> environment;
  std::string input_root;         // Absolute. The action's tree; the only writable place
                                  // besides a private /tmp in the sandbox.
  std::string working_directory;  // Absolute, inside input_root.
  std::string stdout_path;        // Absolute files the output is written to (outside
  std::string stderr_path;        // input_root), readable while the command runs.
  Duration timeout = std::chrono::minutes(15);
  bool allow_network = false;     // Sandbox only: keep the host network namespace.
  RunLimits limits;
};

struct RunResult {
  int exit_code = 0;       // The process's exit status, or 128+N if killed by signal N.
  bool timed_out = false;  // Killed (whole process group) because the timeout passed.
  bool cancelled = false;  // Killed (whole process group) because `cancelled` was set.
  // Killed (everything) because stdout or stderr grew past limits.max_log_bytes.
  bool log_limit_exceeded = false;
  // Only known where the action ran in a cgroup of its own (action_cgroup.h): the kernel
  // killed a process of it for memory, or refused it a process.
  bool memory_limit_exceeded = false;
  bool process_limit_exceeded = false;
  std::chrono::system_clock::time_point started;
  std::chrono::system_clock::time_point finished;
};

class Runner {
 public:
  virtual ~Runner() = default;
  // Runs the command and waits for it to exit, then kills every process it left behind
  // (the action is over when its command exits); kills them all on timeout or
  // cancellation. A non-OK status means the command could not be
  // started at all: INVALID_ARGUMENT naming the executable if it cannot be executed,
  // INTERNAL for system failures.
  virtual StatusOr<RunResult> Run(const RunRequest& request, const std::atomic<bool>& cancelled) = 0;
};

std::unique_ptr<Runner> NewProcessRunner();

struct SandboxOptions {
  // Host paths mounted read-only inside the sandbox at the same place (default: "/").
  std::vector<std::string> read_only_paths = {"/"};
  // Reuse clean network namespaces where the server may (network_namespace_pool.h); off,
  // every sandbox makes its own, as it always does for a server without CAP_SYS_ADMIN.
  bool pool_network_namespaces = true;
  // Where set, each action runs in a cgroup of its own that limits its memory and processes
  // as a whole (instead of RLIMIT_DATA and RLIMIT_NPROC per process) and reports breaches.
  std::shared_ptr<ActionCgroups> cgroups;
};
// FAILED_PRECONDITION with a hint (how to enable unprivileged user namespaces, or run with
// --sandbox=none) when this host cannot create the namespaces.
StatusOr<std::unique_ptr<Runner>> NewSandboxRunner(const SandboxOptions& options);

}  // namespace kiln
