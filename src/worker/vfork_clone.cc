#include "worker/vfork_clone.h"

#include <linux/sched.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>

namespace kiln {
namespace {

// Path search and argv handling before exec need little; mapped lazily, so generous is free.
constexpr size_t kChildStackBytes = 256 * 1024;

}  // namespace

ChildStack::ChildStack() : size_(kChildStackBytes) {
  void* mapped = ::mmap(nullptr, size_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK | MAP_NORESERVE,
                        -1, 0);
  base_ = mapped == MAP_FAILED ? nullptr : mapped;
}

ChildStack::~ChildStack() {
  if (base_ != nullptr) ::munmap(base_, size_);
}

pid_t CloneUntilExec(void* stack_top, int (*entry)(void*), void* arg) {
#if defined(__SANITIZE_ADDRESS__)
  // AddressSanitizer cannot follow a child onto a stack it did not allocate (it reports its
  // own bookkeeping there as overflows): sanitized builds fork, as a bare system call (no
  // atfork handlers), and the child runs `entry` on its copy of this thread's stack.
  (void)stack_top;
  struct clone_args args {};
  args.exit_signal = SIGCHLD;
  const pid_t pid = static_cast<pid_t>(::syscall(SYS_clone3, &args, sizeof(args)));
  if (pid == 0) ::_exit(entry(arg));
  return pid;
#else
  // glibc's clone() is a bare system call wrapper: no atfork handlers, no locks.
  return ::clone(entry, stack_top, CLONE_VM | CLONE_VFORK | SIGCHLD, arg);
#endif
}

}  // namespace kiln
