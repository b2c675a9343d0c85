// Starts a child process that shares the caller's memory until it execs: clone() with
// CLONE_VM | CLONE_VFORK, as posix_spawn does, on a stack of its own. The caller's thread
// sleeps until the child has exec'd or exited.
//
// Why not fork(): fork copies the page tables of the whole server (hundreds of MiB after a
// busy hour, and the copy grows with them) only for execve to throw them away at once. On
// a trivial action that copy and teardown were the largest cost of running it.
//
// The child runs in the caller's address space with the caller's thread-local storage: it
// may only make async-signal-safe calls, must not return into the caller's frames, and
// must end in execve or _exit. Signal handlers are its own copy (no CLONE_SIGHAND).
#pragma once

#include <sys/types.h>

#include <cstddef>

namespace kiln {

class ChildStack {
 public:
  ChildStack();
  ~ChildStack();
  ChildStack(const ChildStack&) = delete;
  ChildStack& operator=(const ChildStack&) = delete;

  bool valid() const { return base_ != nullptr; }
  void* top() const { return static_cast<char*>(base_) + size_; }

 private:
  void* base_ = nullptr;
  size_t size_;
};

// Runs entry(arg) in the child on the stack ending at `stack_top` (a ChildStack's top(),
// allocated by the server: the sandbox's init may not map memory it cannot unmap); returns
// the child's pid, or -1 with errno set. REQUIRES: the caller blocks signals across the
// call if the child must not run the caller's handlers before resetting them.
pid_t CloneUntilExec(void* stack_top, int (*entry)(void*), void* arg);

}  // namespace kiln
