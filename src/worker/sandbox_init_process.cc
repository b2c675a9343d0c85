#include "worker/sandbox_init_process.h"

#include <sanitizer/asan_interface.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include "worker/sandbox_init.h"

namespace kiln {
namespace {

// Init's frames are small (no allocation, a few syscalls deep); the rest is headroom.
constexpr size_t kInitStackBytes = 256 * 1024;

int InitEntry(void* spec) { RunSandboxInit(*static_cast<SandboxSpec*>(spec)); }

}  // namespace

StatusOr<std::unique_ptr<SandboxInitProcess>> SandboxInitProcess::Start(SandboxSpec& spec, uint64_t namespaces,
                                                                        int join_network) {
  std::unique_ptr<SandboxInitProcess> init(new SandboxInitProcess());
  const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  void* stack = ::mmap(nullptr, kInitStackBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
  if (stack == MAP_FAILED) return ErrnoStatus("mmap", "sandbox init stack", errno);
  init->stack_ = stack;
  init->stack_size_ = kInitStackBytes;
  // A guard page, so that an overflow faults instead of writing into the server's memory.
  if (::mprotect(stack, page, PROT_NONE) != 0) return ErrnoStatus("mprotect", "sandbox init stack", errno);

  init->clone_thread_ = std::thread(&SandboxInitProcess::CloneOnOwnThread, init.get(), &spec, namespaces, join_network);
  std::unique_lock lock(init->mutex_);
  init->changed_.wait(lock, [&] { return init->started_; });
  if (init->pid_ < 0) return ErrnoStatus(init->setns_failed_ ? "setns" : "clone", "sandbox init", init->clone_error_);
  return init;
}

void SandboxInitProcess::CloneOnOwnThread(SandboxSpec* spec, uint64_t flags, int join_network) {
  // Blocked until init has reset its signal handling, so that none of the server's
  // handlers runs in init.
  sigset_t all;
  ::sigfillset(&all);
  ::pthread_sigmask(SIG_SETMASK, &all, nullptr);
  int pidfd = -1;
  pid_t pid = -1;
  // Init inherits this thread's network namespace. The thread is init's alone and ends
  // with it, so nothing else ever runs in the namespace it moves to.
  const bool joined = join_network < 0 || ::setns(join_network, CLONE_NEWNET) == 0;
  if (joined) {
    char* stack_top = static_cast<char*>(stack_) + stack_size_;
    const int clone_flags = static_cast<int>(flags) | CLONE_VM | CLONE_PIDFD | SIGCHLD;
    pid = ::clone(&InitEntry, stack_top, clone_flags, spec, &pidfd);
  }
  const int error = errno;
  std::unique_lock lock(mutex_);
  setns_failed_ = !joined;
  pid_ = pid;
  clone_error_ = error;
  pidfd_ = UniqueFd(pidfd);
  started_ = true;
  changed_.notify_all();
  // Sleep without touching errno (a futex wait) while init may be writing it.
  changed_.wait(lock, [&] { return reaped_; });
}

int SandboxInitProcess::KillAndReap() {
  int status = 0;
  if (pid_ > 0 && !reaped_) {
    ::kill(pid_, SIGKILL);
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
  }
  std::lock_guard lock(mutex_);
  reaped_ = true;
  changed_.notify_all();
  return status;
}

SandboxInitProcess::~SandboxInitProcess() {
  if (clone_thread_.joinable()) {
    KillAndReap();
    clone_thread_.join();
  }
  // Only now that init is gone may its stack go. Init never returned from its frames, so
  // under AddressSanitizer their poisoning would outlive them into the next mapping here.
  if (stack_ != nullptr) {
    ASAN_UNPOISON_MEMORY_REGION(stack_, stack_size_);
    ::munmap(stack_, stack_size_);
  }
}

}  // namespace kiln
