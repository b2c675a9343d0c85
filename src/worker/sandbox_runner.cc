// The namespace sandbox runner: each command runs as pid 2 of fresh user, mount, pid and
// IPC namespaces and (unless the request allows network) a network namespace of its own,
// fresh or as good as fresh (network_namespace_pool.h), with the host filesystem read-only
// and only the input root and a private /tmp writable. See sandbox_init.h for what happens
// inside, sandbox_mount_plan.h for the filesystem and sandbox_identity.h for the user it
// runs as.
//
// Host requirements, checked by NewSandboxRunner's probe: Linux 5.12+ (mount_setattr;
// also open_tree/move_mount, pidfds, clone3, close_range), user namespaces the server's
// user may create (kernel.unprivileged_userns_clone / user.max_user_namespaces, Ubuntu's
// AppArmor userns restriction for non-root servers, no container seccomp profile blocking
// them), and a /proc without masked entries (proc cannot be mounted in the new pid
// namespace otherwise). Where that is not available, run the server without a sandbox
// (--sandbox=none): actions then run as the server's user, with its filesystem view.
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>

#include "common/file_util.h"
#include "worker/log_size_watch.h"
#include "worker/network_namespace_pool.h"
#include "worker/runner.h"
#include "worker/sandbox_identity.h"
#include "worker/sandbox_init_process.h"
#include "worker/sandbox_mount_plan.h"
#include "worker/sandbox_spec.h"
#include "worker/vfork_clone.h"

namespace kiln {
namespace {

using std::chrono::milliseconds;

// How often the wait loop looks at `cancelled` while the sandbox runs.
constexpr milliseconds kCancelCheckInterval(50);

constexpr char kUnavailableHint[] =
    "the sandbox needs user namespaces and Linux 5.12 or newer; enable unprivileged user namespaces "
    "(sysctl kernel.unprivileged_userns_clone=1, user.max_user_namespaces > 0, or on Ubuntu "
    "kernel.apparmor_restrict_unprivileged_userns=0) or run kiln with --sandbox=none";

StatusOr<UniqueFd> Open(const std::string& path, int flags) {
  UniqueFd fd(::open(path.c_str(), flags | O_CLOEXEC, 0644));
  if (!fd.valid()) return ErrnoStatus("open", path, errno);
  return fd;
}

struct Pipe {
  UniqueFd read, write;
};

StatusOr<Pipe> MakePipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return ErrnoStatus("pipe", "", errno);
  return Pipe{UniqueFd(fds[0]), UniqueFd(fds[1])};
}

// How the sandbox ended, seen from the server.
struct SandboxExit {
  int exit_code = 0;
  bool timed_out = false;
  bool cancelled = false;
  bool log_limit_exceeded = false;
  bool failed = false;  // The sandbox sent a SandboxFailure: the command never ran.
  SandboxFailure failure{};
};

// Waits for init to exit, killing it (and so the whole pid namespace) on timeout,
// cancellation or logs over their limit. The pidfd wakes us when it exits; the timeout bounds each nap so that
// `cancelled` is seen within kCancelCheckInterval.
void WaitForInit(SandboxInitProcess& init, Duration timeout, const std::atomic<bool>& cancelled, const LogSizeWatch& logs,
                 SandboxExit& outcome) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (cancelled.load()) {
      outcome.cancelled = true;
      break;
    }
    if (logs.Exceeded()) {
      outcome.log_limit_exceeded = true;
      break;
    }
    auto remaining = std::chrono::ceil<milliseconds>(deadline - std::chrono::steady_clock::now());
    if (remaining <= milliseconds(0)) {
      outcome.timed_out = true;
      break;
    }
    struct pollfd entry {init.pidfd(), POLLIN, 0};
    if (::poll(&entry, 1, static_cast<int>(std::min(remaining, kCancelCheckInterval).count())) > 0) break;
  }
  const int status = init.KillAndReap();
  outcome.exit_code = WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
}

// The Status for a sandbox that reported a failure; `request` is null for the probe.
Status FailureStatus(const SandboxSpec& spec, const SandboxFailure& failure, const RunRequest* request) {
  const std::string reason = std::strerror(failure.error);
  switch (failure.stage) {
    case SandboxStage::kExec:
      return Status::InvalidArgument("cannot execute \"" + request->arguments[0] + "\": " + reason);
    case SandboxStage::kChdir:
      return Status::Internal("cannot enter working directory " + request->working_directory + ": " + reason);
    case SandboxStage::kMount: {
      const size_t step = static_cast<size_t>(failure.mount_step);
      const std::string what = step < spec.mounts.size() ? DescribeMountStep(spec.mounts[step]) : "mount";
      return Status::Internal("sandbox setup: " + what + ": " + reason);
    }
    default:
      return Status::Internal("sandbox setup: " + SandboxStageName(failure.stage) + ": " + reason);
  }
}

// The input root is mounted at its real path: a staged path through a symlink would be
// resolved against the host's root while the sandbox's is being assembled. The command's
// paths through the symlink still lead there, as the symlink is in the read-only view.
StatusOr<std::string> RealPath(const std::string& path) {
  std::unique_ptr<char, decltype(&std::free)> real(::realpath(path.c_str(), nullptr), &std::free);
  if (real == nullptr) return ErrnoStatus("resolve input root", path, errno);
  return std::string(real.get());
}

class SandboxRunner final : public Runner {
 public:
  SandboxRunner(const SandboxOptions& options, const SandboxIdentity& identity,
                std::unique_ptr<NetworkNamespacePool> networks)
      : options_(options), identity_(identity), networks_(std::move(networks)) {}

  StatusOr<RunResult> Run(const RunRequest& request, const std::atomic<bool>& cancelled) override;
  // Builds and tears down an empty sandbox: what NewSandboxRunner checks.
  Status Probe();

 private:
  // Fills spec.mounts and friends; the server's clone of the input root, if it makes one,
  // goes to `input_root_tree`.
  Status PrepareFilesystem(const std::string& input_root, int64_t tmpfs_size_bytes, SandboxSpec& spec,
                           UniqueFd& input_root_tree);
  StatusOr<SandboxExit> Start(SandboxSpec& spec, bool new_network, Duration timeout, const std::atomic<bool>& cancelled,
                              int64_t max_log_bytes = 0, ActionCgroup* cgroup = nullptr);

  SandboxOptions options_;
  SandboxIdentity identity_;
  std::unique_ptr<NetworkNamespacePool> networks_;  // null: a new namespace per action
};

Status SandboxRunner::PrepareFilesystem(const std::string& input_root, int64_t tmpfs_size_bytes, SandboxSpec& spec,
                                        UniqueFd& input_root_tree) {
  KILN_RETURN_IF_ERROR(HandOverDirectories(input_root, identity_));
  MountPlanRequest request{options_.read_only_paths, input_root, identity_.separate_user,
                           FirstUnsearchableAncestor(input_root, identity_), tmpfs_size_bytes};
  auto plan = PlanSandboxMounts(request);
  if (!plan.ok()) return plan.status();
  if (request.input_root_cloned_by_server) {
    auto tree = CloneInputRoot(input_root);
    if (!tree.ok()) return tree.status();
    input_root_tree = std::move(tree).value();
  }
  spec.mounts = std::move(plan->steps);
  spec.tree_fds.assign(static_cast<size_t>(plan->tree_count), -1);
  spec.input_root_tree = plan->input_root_tree;
  spec.input_root_fd = input_root_tree.get();
  return Status::Ok();
}

StatusOr<SandboxExit> SandboxRunner::Start(SandboxSpec& spec, bool new_network, Duration timeout,
                                           const std::atomic<bool>& cancelled, int64_t max_log_bytes,
                                           ActionCgroup* cgroup) {
  auto release = MakePipe();
  if (!release.ok()) return release.status();
  auto report = MakePipe();
  if (!report.ok()) return report.status();
  spec.release_fd = release->read.get();
  spec.report_fd = report->write.get();
  spec.drop_supplementary_groups = identity_.separate_user;
  std::vector<UniqueFd> cgroup_procs;  // Open until init is gone: the command joins through them.
  if (cgroup) {
    auto files = cgroup->OpenProcsFiles();
    if (!files.ok()) return files.status().WithContext("sandbox cgroup");
    cgroup_procs = std::move(files).value();
    for (size_t i = 0; i < cgroup_procs.size() && i < 2; ++i) spec.cgroup_procs_fds[i] = cgroup_procs[i].get();
  }
  // Returned to the pool (if the action left it clean) when this function returns, after
  // init and with it every process of the sandbox is gone.
  std::optional<NetworkNamespacePool::Lease> network;
  if (new_network && networks_) {
    auto lease = networks_->Acquire();
    if (!lease.ok()) return lease.status().WithContext("sandbox network");
    network.emplace(std::move(lease).value());
  }
  spec.bring_up_loopback = new_network && !network;

  const uint64_t namespaces =
      CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | (spec.bring_up_loopback ? CLONE_NEWNET : 0);
  auto init = SandboxInitProcess::Start(spec, namespaces, network ? network->fd() : -1);
  if (!init.ok()) return init.status();
  release->read = UniqueFd();
  report->write = UniqueFd();
  KILN_RETURN_IF_ERROR(WriteIdMaps((*init)->pid(), identity_));
  KILN_RETURN_IF_ERROR(WriteAll(release->write.get(), "1"));
  // release->write stays open until init is reaped: see SandboxSpec::release_fd.

  SandboxExit outcome;
  WaitForInit(**init, timeout, cancelled, LogSizeWatch(spec.stdio[1], spec.stdio[2], max_log_bytes), outcome);
  // Everything in the sandbox is gone now, so whatever it reported is in the pipe already.
  ::fcntl(report->read.get(), F_SETFL, O_NONBLOCK);
  outcome.failed = ::read(report->read.get(), &outcome.failure, sizeof(outcome.failure)) == sizeof(outcome.failure);
  return outcome;
}

StatusOr<RunResult> SandboxRunner::Run(const RunRequest& request, const std::atomic<bool>& cancelled) {
  if (request.arguments.empty() || request.arguments[0].empty()) {
    return Status::InvalidArgument("the command has no executable (arguments[0] is empty)");
  }
  if (request.input_root.empty() || request.input_root.front() != '/') {
    return Status::InvalidArgument("the input root \"" + request.input_root + "\" is not absolute");
  }
  auto input_root = RealPath(request.input_root);
  if (!input_root.ok()) return input_root.status();
  SandboxSpec spec;
  UniqueFd input_root_tree;
  // /tmp and /dev/shm are memory: they get the action's memory limit each.
  KILN_RETURN_IF_ERROR(PrepareFilesystem(*input_root, request.limits.max_memory_bytes, spec, input_root_tree));
  spec.has_command = true;
  spec.command = MakeExecImage(request);
  std::unique_ptr<ActionCgroup> cgroup;
  if (options_.cgroups) {
    auto made = options_.cgroups->Create({request.limits.max_memory_bytes, request.limits.max_processes});
    if (!made.ok()) return made.status().WithContext("sandbox cgroup");
    cgroup = std::move(made).value();
    // The cgroup limits the action as a whole; per-process rlimits would only get in the
    // way (RLIMIT_DATA counts reserved address space, sanitizers' shadow memory included).
    std::erase_if(spec.command.resource_limits,
                  [](const auto& limit) { return limit.first == RLIMIT_DATA || limit.first == RLIMIT_NPROC; });
  }
  ChildStack command_stack;  // Outlives init: Start() returns only once it is reaped.
  if (!command_stack.valid()) return ErrnoStatus("map a stack for", "the sandboxed command", errno);
  spec.command_stack_top = command_stack.top();
  auto stdin_fd = Open("/dev/null", O_RDONLY);
  if (!stdin_fd.ok()) return stdin_fd.status();
  auto stdout_fd = Open(request.stdout_path, O_WRONLY | O_CREAT | O_TRUNC);
  if (!stdout_fd.ok()) return stdout_fd.status();
  auto stderr_fd = Open(request.stderr_path, O_WRONLY | O_CREAT | O_TRUNC);
  if (!stderr_fd.ok()) return stderr_fd.status();
  spec.stdio[0] = stdin_fd->get();
  spec.stdio[1] = stdout_fd->get();
  spec.stdio[2] = stderr_fd->get();

  RunResult result;
  result.started = std::chrono::system_clock::now();
  auto outcome = Start(spec, !request.allow_network, request.timeout, cancelled, request.limits.max_log_bytes, cgroup.get());
  result.finished = std::chrono::system_clock::now();
  if (!outcome.ok()) return outcome.status();
  if (outcome->failed) return FailureStatus(spec, outcome->failure, &request);
  result.exit_code = outcome->exit_code;
  result.timed_out = outcome->timed_out;
  result.cancelled = outcome->cancelled;
  result.log_limit_exceeded = outcome->log_limit_exceeded;
  if (cgroup) {
    const CgroupBreaches breaches = cgroup->Breaches();
    result.memory_limit_exceeded = breaches.memory;
    result.process_limit_exceeded = breaches.processes;
  }
  return result;
}

Status SandboxRunner::Probe() {
  auto plan = PlanSandboxMounts({options_.read_only_paths, "", false, ""});
  if (!plan.ok()) return plan.status();  // A bad read-only path, not a host problem.
  SandboxSpec spec;
  spec.mounts = std::move(plan->steps);
  spec.tree_fds.assign(static_cast<size_t>(plan->tree_count), -1);
  auto null_fd = Open("/dev/null", O_RDWR);
  if (!null_fd.ok()) return null_fd.status();
  for (int& fd : spec.stdio) fd = null_fd->get();

  const std::atomic<bool> never_cancelled{false};
  auto outcome = Start(spec, /*new_network=*/true, std::chrono::seconds(10), never_cancelled);
  Status status = outcome.status();
  if (outcome.ok() && outcome->failed) {
    status = FailureStatus(spec, outcome->failure, nullptr);
  } else if (outcome.ok() && outcome->exit_code != 0) {
    status = Status::Internal("the sandbox exited with code " + std::to_string(outcome->exit_code));
  }
  if (status.ok()) return status;
  return Status::FailedPrecondition("cannot create a sandbox (" + status.message() + "): " + kUnavailableHint);
}

}  // namespace

StatusOr<std::unique_ptr<Runner>> NewSandboxRunner(const SandboxOptions& options) {
  // Without the pool (a server without CAP_SYS_ADMIN) each sandbox makes its own namespace.
  std::unique_ptr<NetworkNamespacePool> networks;
  if (options.pool_network_namespaces) {
    auto pool = NetworkNamespacePool::Create();
    if (pool.ok()) networks = std::move(pool).value();
  }
  auto runner = std::make_unique<SandboxRunner>(options, SandboxIdentityForThisServer(), std::move(networks));
  KILN_RETURN_IF_ERROR(runner->Probe());
  return std::unique_ptr<Runner>(std::move(runner));
}

}  // namespace kiln
