// A child process for integration tests (kiln serve, kiln worker): fork+exec with stdout
// piped to the test (stderr inherited, so diagnostics land in the test log), and always
// reaped: Stop() signals and waits, Kill9() simulates a crash, and the destructor SIGKILLs
// whatever still runs. The child also dies with the test process -- and with the thread
// that started it (PR_SET_PDEATHSIG follows the thread): a helper thread that starts a
// process must outlive it.
#pragma once

#include <sys/types.h>

#include <csignal>
#include <memory>
#include <string>
#include <vector>

namespace kiln_test {

class ChildProcess {
 public:
  // Starts args[0] with args. nullptr and *error if it cannot be started.
  static std::unique_ptr<ChildProcess> Spawn(std::vector<std::string> args, std::string* error);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // -1 once the process has exited and been reaped.
  pid_t pid() const { return pid_; }
  // False once the process has exited (it is reaped then).
  bool running();
  // Reads stdout until `pattern` is seen, EOF, or the timeout. True if seen.
  bool ReadStdoutUntil(const std::string& pattern, int timeout_ms);
  // Sends `signal` and waits up to `timeout_ms`. The exit code, 128+N for death by signal N,
  // or -1 if it had to be SIGKILLed after the wait.
  int Stop(int signal, int timeout_ms);
  // kill -9 and reap.
  void Kill9();
  // Everything printed on stdout so far (complete after Stop or Kill9).
  const std::string& stdout_text() const { return stdout_text_; }

 private:
  ChildProcess() = default;
  // Waits for exit up to `timeout_ms`; true if reaped.
  bool WaitForExit(int timeout_ms);
  void DrainStdout() { ReadStdoutUntil("\x01never\x01", 2'000); }

  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  int exit_code_ = -1;
  std::string stdout_text_;
};

}  // namespace kiln_test
