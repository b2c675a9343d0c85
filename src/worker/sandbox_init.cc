#include "worker/sandbox_init.h"

#include <fcntl.h>
#include <linux/capability.h>
#include <linux/sched.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include "worker/loopback.h"
#include "worker/sandbox_mounts.h"
#include "worker/vfork_clone.h"

namespace kiln {
namespace {

// Descriptor numbers inside the sandbox after MoveDescriptors.
constexpr int kReportFd = 3;
constexpr int kInputRootFd = 4;
constexpr int kReleaseFd = 5;  // Only until init has checked that the server is alive.
constexpr int kCgroupProcsFds[2] = {6, 7};  // Until the command has joined its cgroup.
constexpr int kFirstUnusedFd = 8;

// Sends why the sandbox could not be started. Everything here must be async-signal-safe.
[[noreturn]] void Fail(int report_fd, SandboxStage stage, int error, int mount_step = -1) {
  SandboxFailure failure{stage, mount_step, error};
  ssize_t ignored = ::write(report_fd, &failure, sizeof(failure));
  (void)ignored;
  ::_exit(kSandboxSetupFailedExitCode);
}

// Handlers and ignored signals of the server must not leak into the sandbox. As pid 1 with
// default dispositions, init also ignores every signal sent from inside its namespace.
void ResetSignals() {
  struct sigaction default_action {};
  default_action.sa_handler = SIG_DFL;
  for (int signal = 1; signal < NSIG; ++signal) ::sigaction(signal, &default_action, nullptr);
  sigset_t none;
  ::sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
}

// Until the server has written the id maps this process has no usable identity.
bool AwaitRelease(int release_fd) {
  char byte = 0;
  ssize_t n;
  do {
    n = ::read(release_fd, &byte, 1);
  } while (n < 0 && errno == EINTR);
  return n == 1;
}

// The release pipe's write end is closed: the server that held it has died.
bool ServerIsGone(int release_fd) {
  struct pollfd entry {release_fd, POLLIN, 0};
  return ::poll(&entry, 1, 0) > 0 && (entry.revents & (POLLHUP | POLLERR)) != 0;
}

// Becomes uid/gid 0 of the user namespace, i.e. the host ids the server mapped there. Raw
// system calls: glibc's wrappers change the ids of every thread in glibc's thread list,
// which in init (sharing the server's memory) is the server's.
int BecomeSandboxUser(bool drop_supplementary_groups) {
  if (drop_supplementary_groups && ::syscall(SYS_setgroups, 0, nullptr) != 0) return -1;
  if (::syscall(SYS_setresgid, 0, 0, 0) != 0) return -1;
  return static_cast<int>(::syscall(SYS_setresuid, 0, 0, 0));
}

// Leaves exactly stdin/stdout/stderr, the report pipe, the input root descriptor, the
// release pipe and the cgroup's procs files open (at their fixed numbers); the server's other descriptors (sockets, the CAS lock) must not
// reach the command.
int MoveDescriptors(const SandboxSpec& spec) {
  const int wanted[kFirstUnusedFd] = {spec.stdio[0],      spec.stdio[1],       spec.stdio[2],
                                      spec.report_fd,      spec.input_root_fd,  spec.release_fd,
                                      spec.cgroup_procs_fds[0], spec.cgroup_procs_fds[1]};
  int moved[kFirstUnusedFd];  // First out of the way, so that no dup3 below overwrites a source.
  for (int fd = 0; fd < kFirstUnusedFd; ++fd) {
    moved[fd] = wanted[fd] < 0 ? -1 : ::fcntl(wanted[fd], F_DUPFD_CLOEXEC, kFirstUnusedFd);
    if (wanted[fd] >= 0 && moved[fd] < 0) return -1;
  }
  for (int fd = 0; fd < kFirstUnusedFd; ++fd) {
    if (moved[fd] < 0) {
      ::close(fd);  // Whatever the server had there.
    } else if (::dup3(moved[fd], fd, fd < 3 ? 0 : O_CLOEXEC) < 0) {
      return -1;
    }
  }
  return static_cast<int>(::syscall(SYS_close_range, kFirstUnusedFd, ~0U, 0));
}

// Leaves the command no capabilities, now or after exec (uid 0 would otherwise regain the
// full set at execve), and no way to gain any through setuid binaries.
int DropCapabilities() {
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return -1;
  for (int capability = 0; capability < 64; ++capability) {
    if (::prctl(PR_CAPBSET_DROP, capability, 0, 0, 0) != 0 && errno != EINVAL) return -1;
  }
  if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL) return -1;
  struct __user_cap_header_struct header {_LINUX_CAPABILITY_VERSION_3, 0};
  struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] {};
  return static_cast<int>(::syscall(SYS_capset, &header, data));
}

[[noreturn]] void ExecCommand(SandboxCommand& command) { Fail(kReportFd, SandboxStage::kExec, ExecLikeExecvp(command)); }

// The command joins the action's cgroup itself, and only now, sharing init's memory just
// until its exec: see ActionCgroup::OpenProcsFiles for why init stays out.
int JoinCgroup(const SandboxSpec& spec) {
  for (int i = 0; i < 2; ++i) {
    if (spec.cgroup_procs_fds[i] >= 0 && ::write(kCgroupProcsFds[i], "0", 1) != 1) return -1;
  }
  return 0;
}

[[noreturn]] void RunCommand(SandboxSpec& spec) {
  ::setsid();
  if (JoinCgroup(spec) != 0) Fail(kReportFd, SandboxStage::kCgroup, errno);
  if (::chdir(spec.command.working_directory.c_str()) != 0) Fail(kReportFd, SandboxStage::kChdir, errno);
  if (DropCapabilities() != 0) Fail(kReportFd, SandboxStage::kDropCapabilities, errno);
  ExecCommand(spec.command);
}

int CommandEntry(void* spec) { RunCommand(*static_cast<SandboxSpec*>(spec)); }

// Reaps the command; once it has exited, kills whatever it left running (background jobs,
// daemons: the action is over, and they must not hold it until its timeout or write into
// its outputs while they are collected), then reaps those too, until nothing is left.
[[noreturn]] void ReapAll(pid_t command) {
  int command_status = 0;
  while (true) {
    int status = 0;
    pid_t pid = ::wait4(-1, &status, __WALL, nullptr);
    if (pid == command) {
      command_status = status;
      ::kill(-1, SIGKILL);  // Every process in the namespace but init itself.
    }
    if (pid < 0 && errno != EINTR) break;
  }
  ::_exit(WIFSIGNALED(command_status) ? 128 + WTERMSIG(command_status) : WEXITSTATUS(command_status));
}

}  // namespace

void RunSandboxInit(SandboxSpec& spec) {
  ResetSignals();
  // The thread that cloned us lives until we are reaped; if the server dies, so does the
  // sandbox (and with init, every process in it).
  if (::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0) Fail(spec.report_fd, SandboxStage::kStart, errno);
  if (!AwaitRelease(spec.release_fd)) ::_exit(kSandboxSetupFailedExitCode);  // The server gave up.
  if (BecomeSandboxUser(spec.drop_supplementary_groups) != 0) Fail(spec.report_fd, SandboxStage::kIdentity, errno);
  // Changing to another host uid (a root server's sandbox runs as nobody) clears the death
  // signal, so it is set again.
  if (::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0) Fail(spec.report_fd, SandboxStage::kIdentity, errno);
  if (MoveDescriptors(spec) != 0) Fail(spec.report_fd, SandboxStage::kDescriptors, errno);
  // A server that died before the signal was set again is seen through the release pipe,
  // whose write end it holds until init is reaped (init's own copy is closed by now).
  if (ServerIsGone(kReleaseFd)) ::_exit(kSandboxSetupFailedExitCode);
  ::close(kReleaseFd);

  if (spec.input_root_tree >= 0) spec.tree_fds[spec.input_root_tree] = kInputRootFd;
  MountFailure mount_failure;
  if (!ApplyMountPlan(spec.mounts, spec.tree_fds, mount_failure)) {
    Fail(kReportFd, SandboxStage::kMount, mount_failure.error, mount_failure.step);
  }
  if (spec.bring_up_loopback && BringUpLoopback() != 0) Fail(kReportFd, SandboxStage::kLoopback, errno);
  if (!spec.has_command) ::_exit(0);

  // Not a fork: that would copy the page tables of the whole server, which init shares.
  pid_t command = CloneUntilExec(spec.command_stack_top, &CommandEntry, &spec);
  if (command < 0) Fail(kReportFd, SandboxStage::kFork, errno);
  ::close(kReportFd);  // The command's copy closes at exec; the server reads after we exit.
  ReapAll(command);
}

}  // namespace kiln
