// Runs the real `kiln worker` as a child process for integration tests, the way
// KilnProcess runs `kiln serve`: fork+exec, wait for its "connected" line, and always reap
// it (Stop() signals and waits, Kill9() simulates a crash, the destructor SIGKILLs).
#pragma once

#include <sys/types.h>

#include <csignal>
#include <memory>
#include <string>
#include <vector>

#include "child_process.h"

namespace kiln_test {

class WorkerProcess {
 public:
  // Starts `kiln worker --scheduler ADDRESS --work-dir DIR --worker-id ID ...extra` and
  // waits (at most 20 s) until it reports that the frontend (one of them, for a
  // comma-separated list) accepted it.
  static std::unique_ptr<WorkerProcess> Start(const std::string& scheduler_address, const std::string& work_dir,
                                              const std::string& worker_id, const std::vector<std::string>& extra_flags,
                                              std::string* error);
  ~WorkerProcess();
  WorkerProcess(const WorkerProcess&) = delete;
  WorkerProcess& operator=(const WorkerProcess&) = delete;

  const std::string& worker_id() const { return worker_id_; }
  pid_t pid() const { return child_->pid(); }
  // False once the process has exited (it is reaped then).
  bool running() { return child_->running(); }
  // Sends `signal` and waits up to 20 s. The exit code, 128+N for death by signal N, or
  // -1 if it had to be SIGKILLed.
  int Stop(int signal = SIGTERM) { return child_->Stop(signal, 20'000); }
  // kill -9 and reap.
  void Kill9() { child_->Kill9(); }
  // Everything printed on stdout so far (complete after Stop or Kill9).
  const std::string& stdout_text() const { return child_->stdout_text(); }
  // Reads stdout until `text` has been printed (at any time) or `timeout_ms` passed.
  bool WaitForStdout(const std::string& text, int timeout_ms) { return child_->ReadStdoutUntil(text, timeout_ms); }
  // The frontend the worker said it connected to last (empty if none yet).
  std::string connected_to() const;

 private:
  WorkerProcess() = default;

  std::string worker_id_;
  std::unique_ptr<ChildProcess> child_;
};

}  // namespace kiln_test
