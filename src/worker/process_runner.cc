// The plain runner: a vfork-style clone + execve in a new process group, with the request's exact
// environment, stdin from /dev/null and stdout/stderr to files. The whole group is killed
// with SIGKILL on timeout, on cancellation, and when the main process exits (so background
// jobs cannot outlive the action). Processes that leave the group (setsid, daemons) escape
// this; the sandbox runner's pid namespace does not have that gap.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "common/file_util.h"
#include "worker/exec_image.h"
#include "worker/log_size_watch.h"
#include "worker/runner.h"
#include "worker/vfork_clone.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

namespace kiln {
namespace {

using std::chrono::milliseconds;

// How often the wait loop looks at `cancelled` while the command runs.
constexpr milliseconds kCancelCheckInterval(50);
constexpr int kChildFailedExitCode = 127;

// Everything the child needs, built before fork (see ExecImage).
struct ExecPlan {
  ExecImage image;
  int max_fd = 1024;
};

// What the child reports through the CLOEXEC pipe if it fails before exec.
enum class ChildStep : int { kRedirect, kChdir, kExec };
struct ChildFailure {
  ChildStep step;
  int error;
};

ExecPlan MakeExecPlan(const RunRequest& request) {
  ExecPlan plan;
  plan.image = MakeExecImage(request);
  struct rlimit limit {};
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY) {
    plan.max_fd = static_cast<int>(std::min<rlim_t>(limit.rlim_cur, 1 << 20));
  }
  return plan;
}

[[noreturn]] void ReportAndExit(int report_fd, ChildStep step, int error) {
  ChildFailure failure{step, error};
  ssize_t ignored = ::write(report_fd, &failure, sizeof(failure));
  (void)ignored;
  ::_exit(kChildFailedExitCode);
}

// Marks every descriptor above stderr close-on-exec: the command gets stdio only.
void CloseInheritedFds(int max_fd) {
  if (::syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) == 0) return;
  for (int fd = 3; fd < max_fd; ++fd) ::fcntl(fd, F_SETFD, FD_CLOEXEC);
}

// Runs in the forked child. Async-signal-safe calls only (see ExecPlan).
[[noreturn]] void RunChild(ExecPlan& plan, const int stdio[3], int report_fd) {
  struct sigaction default_action {};
  default_action.sa_handler = SIG_DFL;
  for (int signal = 1; signal < NSIG; ++signal) ::sigaction(signal, &default_action, nullptr);
  sigset_t none;
  ::sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  ::setpgid(0, 0);
  // The command dies with the server (the thread that cloned it waits for it until it is
  // reaped). What it started itself is out of reach then: see the file comment.
  ::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  for (int target = 0; target < 3; ++target) {
    if (::dup2(stdio[target], target) < 0) ReportAndExit(report_fd, ChildStep::kRedirect, errno);
  }
  CloseInheritedFds(plan.max_fd);
  if (::chdir(plan.image.working_directory.c_str()) != 0) ReportAndExit(report_fd, ChildStep::kChdir, errno);
  const int error = ExecLikeExecvp(plan.image);
  ReportAndExit(report_fd, ChildStep::kExec, error);
}

// Keeps the fd off 0-2 so that the child's dup2 onto stdio can never clobber another one.
StatusOr<UniqueFd> OpenAboveStdio(const std::string& path, int flags) {
  UniqueFd fd(::open(path.c_str(), flags | O_CLOEXEC, 0644));
  if (!fd.valid()) return ErrnoStatus("open", path, errno);
  if (fd.get() > 2) return fd;
  UniqueFd moved(::fcntl(fd.get(), F_DUPFD_CLOEXEC, 3));
  if (!moved.valid()) return ErrnoStatus("dup", path, errno);
  return moved;
}

struct ChildArguments {
  ExecPlan* plan;
  const int* stdio;
  int report_fd;
};

int ChildEntry(void* raw) {
  auto* arguments = static_cast<ChildArguments*>(raw);
  RunChild(*arguments->plan, arguments->stdio, arguments->report_fd);
}

StatusOr<pid_t> Spawn(ExecPlan& plan, const int stdio[3], int report_fd) {
  ChildStack stack;
  if (!stack.valid()) return ErrnoStatus("map a stack for", "the command", errno);
  ChildArguments arguments{&plan, stdio, report_fd};
  // Blocked across the clone so that none of the server's handlers can run in the child
  // before it resets them.
  sigset_t all, previous;
  ::sigfillset(&all);
  ::pthread_sigmask(SIG_SETMASK, &all, &previous);
  pid_t pid = CloneUntilExec(stack.top(), &ChildEntry, &arguments);
  int clone_error = errno;
  ::pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  if (pid < 0) return ErrnoStatus("clone", "", clone_error);
  // Also from the parent, so that a kill(-pid) cannot miss a child that has not run yet.
  ::setpgid(pid, pid);
  return pid;
}

// Blocks until the child has exec'd (the pipe closes) or reported why it could not.
Status AwaitExec(int report_fd, pid_t pid, const std::string& argv0, const std::string& working_directory) {
  ChildFailure failure{};
  ssize_t n;
  do {
    n = ::read(report_fd, &failure, sizeof(failure));
  } while (n < 0 && errno == EINTR);
  if (n != static_cast<ssize_t>(sizeof(failure))) return Status::Ok();
  int ignored;
  while (::waitpid(pid, &ignored, 0) < 0 && errno == EINTR) {
  }
  const std::string reason = std::strerror(failure.error);
  switch (failure.step) {
    case ChildStep::kExec:
      return Status::InvalidArgument("cannot execute \"" + argv0 + "\": " + reason);
    case ChildStep::kChdir:
      return Status::Internal("cannot enter working directory " + working_directory + ": " + reason);
    case ChildStep::kRedirect:
      break;
  }
  return Status::Internal("cannot redirect the command's stdio: " + reason);
}

// The process itself too, in case it moved to another group. Until it is reaped its pid,
// and so the group id, cannot be reused: the kill cannot hit an unrelated process.
void KillProcessAndGroup(pid_t pid) {
  ::kill(-pid, SIGKILL);
  ::kill(pid, SIGKILL);
}

// True once the child has exited, without reaping it (the zombie keeps its pid, and so
// the process group id, from being reused while we still kill the group).
bool HasExited(pid_t pid, int pidfd, milliseconds wait) {
  if (pidfd >= 0) {
    struct pollfd entry {pidfd, POLLIN, 0};
    return ::poll(&entry, 1, static_cast<int>(wait.count())) > 0;
  }
  siginfo_t info{};  // Kernels before 5.3 have no pidfd: check, then sleep briefly.
  if (::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid == pid) {
    return true;
  }
  ::usleep(static_cast<useconds_t>(std::min<int64_t>(wait.count(), 10) * 1000));
  return false;
}

// Waits for the child, killing its group on timeout, cancellation or logs over their
// limit, and then any members left behind. Fills exit_code, timed_out, cancelled and
// log_limit_exceeded.
void WaitAndReap(pid_t pid, Duration timeout, const std::atomic<bool>& cancelled, const LogSizeWatch& logs,
                 RunResult& result) {
  UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (cancelled.load()) {
      result.cancelled = true;
      break;
    }
    if (logs.Exceeded()) {
      result.log_limit_exceeded = true;
      break;
    }
    auto remaining = std::chrono::ceil<milliseconds>(deadline - std::chrono::steady_clock::now());
    if (remaining <= milliseconds(0)) {
      result.timed_out = true;
      break;
    }
    if (HasExited(pid, pidfd.get(), std::min(remaining, kCancelCheckInterval))) break;
  }
  KillProcessAndGroup(pid);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  result.exit_code = WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
}

class ProcessRunner final : public Runner {
 public:
  StatusOr<RunResult> Run(const RunRequest& request, const std::atomic<bool>& cancelled) override {
    if (request.arguments.empty() || request.arguments[0].empty()) {
      return Status::InvalidArgument("the command has no executable (arguments[0] is empty)");
    }
    ExecPlan plan = MakeExecPlan(request);
    auto stdin_fd = OpenAboveStdio("/dev/null", O_RDONLY);
    if (!stdin_fd.ok()) return stdin_fd.status();
    auto stdout_fd = OpenAboveStdio(request.stdout_path, O_WRONLY | O_CREAT | O_TRUNC);
    if (!stdout_fd.ok()) return stdout_fd.status();
    auto stderr_fd = OpenAboveStdio(request.stderr_path, O_WRONLY | O_CREAT | O_TRUNC);
    if (!stderr_fd.ok()) return stderr_fd.status();
    int report_pipe[2];
    if (::pipe2(report_pipe, O_CLOEXEC) != 0) return ErrnoStatus("pipe", "", errno);
    UniqueFd report_read(report_pipe[0]), report_write(report_pipe[1]);

    RunResult result;
    result.started = std::chrono::system_clock::now();
    const int stdio[3] = {stdin_fd->get(), stdout_fd->get(), stderr_fd->get()};
    auto pid = Spawn(plan, stdio, report_write.get());
    if (!pid.ok()) return pid.status();
    report_write = UniqueFd();
    KILN_RETURN_IF_ERROR(AwaitExec(report_read.get(), *pid, request.arguments[0], request.working_directory));
    WaitAndReap(*pid, request.timeout, cancelled, LogSizeWatch(stdout_fd->get(), stderr_fd->get(), request.limits.max_log_bytes),
                result);
    result.finished = std::chrono::system_clock::now();
    return result;
  }
};

}  // namespace

std::unique_ptr<Runner> NewProcessRunner() { return std::make_unique<ProcessRunner>(); }

}  // namespace kiln
