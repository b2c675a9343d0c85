#include "worker/vfork_clone.h"

#include <sched.h>
#include <sys/mman.h>

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
  // glibc's clone() is a bare system call wrapper: no atfork handlers, no locks.
  return ::clone(entry, stack_top, CLONE_VM | CLONE_VFORK | SIGCHLD, arg);
}

}  // namespace kiln
