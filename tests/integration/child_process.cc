#include "child_process.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <thread>

namespace kiln_test {
namespace {

using Clock = std::chrono::steady_clock;

int RemainingMs(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left > 0 ? static_cast<int>(left) : 0;
}

}  // namespace

std::unique_ptr<ChildProcess> ChildProcess::Spawn(std::vector<std::string> args, std::string* error) {
  // Prepared before fork: after fork the child only makes async-signal-safe calls.
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
    *error = "pipe2 failed";
    return nullptr;
  }
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(pipe_fds[0]);
    ::close(pipe_fds[1]);
    *error = "fork failed";
    return nullptr;
  }
  if (pid == 0) {
    ::dup2(pipe_fds[1], STDOUT_FILENO);
    // Die with the test process, so a crashed test never leaves a server behind.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(126);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(pipe_fds[1]);
  std::unique_ptr<ChildProcess> child(new ChildProcess());
  child->pid_ = pid;
  child->stdout_fd_ = pipe_fds[0];
  return child;
}

ChildProcess::~ChildProcess() {
  if (pid_ > 0) Kill9();
  if (stdout_fd_ >= 0) ::close(stdout_fd_);
}

bool ChildProcess::ReadStdoutUntil(const std::string& pattern, int timeout_ms) {
  const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  while (stdout_text_.find(pattern) == std::string::npos) {
    if (stdout_fd_ < 0) return false;
    pollfd fd{stdout_fd_, POLLIN, 0};
    const int ready = ::poll(&fd, 1, RemainingMs(deadline));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) return false;  // Timeout or poll error.
    char buffer[4096];
    const ssize_t n = ::read(stdout_fd_, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {  // EOF: the process closed stdout (exited).
      ::close(stdout_fd_);
      stdout_fd_ = -1;
      return stdout_text_.find(pattern) != std::string::npos;
    }
    stdout_text_.append(buffer, static_cast<size_t>(n));
  }
  return true;
}

bool ChildProcess::WaitForExit(int timeout_ms) {
  if (pid_ <= 0) return true;
  const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  while (true) {
    int status = 0;
    const pid_t reaped = ::waitpid(pid_, &status, WNOHANG);
    if (reaped == pid_) {
      exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      pid_ = -1;
      return true;
    }
    if (reaped < 0 && errno != EINTR) {  // Not our child any more; nothing to reap.
      pid_ = -1;
      return true;
    }
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

bool ChildProcess::running() { return pid_ > 0 && !WaitForExit(0); }

int ChildProcess::Stop(int signal, int timeout_ms) {
  if (pid_ <= 0) return exit_code_;
  ::kill(pid_, signal);
  if (!WaitForExit(timeout_ms)) {
    ::kill(pid_, SIGKILL);
    WaitForExit(timeout_ms);
    exit_code_ = -1;
  }
  DrainStdout();
  return exit_code_;
}

void ChildProcess::Kill9() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  WaitForExit(30'000);
  DrainStdout();
}

}  // namespace kiln_test
