// kiln's single binary: dispatches to subcommands.
#include <absl/synchronization/mutex.h>

#include <iostream>
#include <string>
#include <vector>

#include "cli/admin_command.h"
#include "cli/attack_command.h"
#include "cli/auth_command.h"
#include "cli/bench_command.h"
#include "cli/logs_command.h"
#include "cli/serve_command.h"
#include "cli/worker_command.h"

namespace {

constexpr char kUsage[] =
    "Usage: kiln COMMAND [flags]\n"
    "\n"
    "kiln is a remote cache and execution service for Bazel and other REAPI clients.\n"
    "\n"
    "Commands:\n"
    "  serve     Run the server: REAPI (CAS, ActionCache, Execution, ...), Remote Asset and LogStream,\n"
    "            a scheduler and local workers, on an embedded disk store.\n"
    "  worker    Run actions for a frontend (`kiln serve`) on this host; connects to its scheduler.\n"
    "  bench     Put load on a REAPI server (kiln or any other) and report throughput and latency.\n"
    "  attack    Try a REAPI server as a hostile client would and measure whether it still serves others.\n"
    "  logs      Print a running action's stdout and stderr live (`kiln logs OPERATION_NAME`).\n"
    "  admin     Look at and act on a running server: status, workers (drain), operations (cancel),\n"
    "            CAS blobs and action cache entries (`kiln admin --help`).\n"
    "  auth      Auth file helpers: hash a token for it, check it, list what each RPC requires.\n"
    "  help      Show this help. `kiln COMMAND --help` explains a command's flags and defaults.\n";

}  // namespace

int main(int argc, char** argv) {
  // Debian builds Abseil with its mutex deadlock detector on, and gRPC takes absl mutexes
  // on every call: the detector's lock graph was about a tenth of the server's CPU time on
  // small calls (GetActionResult). kiln's own locking is std::mutex and is tested under
  // the sanitizers.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "help" || args[0] == "--help" || args[0] == "-h") {
    std::cout << kUsage;
    return args.empty() ? 2 : 0;
  }
  const std::string command = args[0];
  args.erase(args.begin());
  if (command == "serve") return kiln::RunServeCommand(args);
  if (command == "worker") return kiln::RunWorkerCommand(args);
  if (command == "bench") return kiln::RunBenchCommand(args);
  if (command == "attack") return kiln::RunAttackCommand(args);
  if (command == "logs") return kiln::RunLogsCommand(args);
  if (command == "auth") return kiln::RunAuthCommand(args);
  if (command == "admin") return kiln::RunAdminCommand(args);
  // Not for people: `kiln attack` runs its probe in a process of its own (probe_process.h).
  if (command == "attack-probe") return kiln::RunAttackProbeCommand(args);
  std::cerr << "kiln: unknown command \"" << command << "\"\n\n" << kUsage;
  return 2;
}
