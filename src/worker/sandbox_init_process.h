// Starts the sandbox's init (RunSandboxInit) in new namespaces and owns it until reaped.
//
// Init lives as long as the action, so it must not be a fork of the server: a forked copy
// would pin a copy-on-write snapshot of the server's memory (CAS index, buffers) for minutes,
// duplicated page by page as the server keeps writing, once per running action. Instead
// init shares the server's memory (CLONE_VM, as posix_spawn does) on a stack of its own.
// It only reads its SandboxSpec and makes system calls. The one piece of thread state it
// touches is errno, in the thread-local storage of the thread that cloned it, so that
// thread is a dedicated one which sleeps until init is gone.
//
// Sharing memory is safe only while the command cannot ptrace init or open /proc/1/mem:
// init keeps a full capability set in the sandbox's user namespace and the command has
// none, which the kernel's ptrace check refuses. Init must never drop its capabilities.
#pragma once

#include <sys/types.h>

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>

#include "common/file_util.h"
#include "common/status.h"
#include "worker/sandbox_spec.h"

namespace kiln {

class SandboxInitProcess {
 public:
  // `namespaces` are CLONE_NEW* flags. Init joins the network namespace `join_network`
  // (a descriptor, or -1 for none) instead of making one. `spec` must outlive this object.
  static StatusOr<std::unique_ptr<SandboxInitProcess>> Start(SandboxSpec& spec, uint64_t namespaces,
                                                             int join_network = -1);
  // Kills and reaps init if Reap() was not called.
  ~SandboxInitProcess();
  SandboxInitProcess(const SandboxInitProcess&) = delete;
  SandboxInitProcess& operator=(const SandboxInitProcess&) = delete;

  pid_t pid() const { return pid_; }
  // Becomes readable when init has exited.
  int pidfd() const { return pidfd_.get(); }
  // Sends SIGKILL (a no-op once init has exited), waits, reaps, and returns the wait status.
  // Killing init makes the kernel kill every other process in its pid namespace, and init
  // can only be reaped after they are all gone.
  int KillAndReap();

 private:
  SandboxInitProcess() = default;
  void CloneOnOwnThread(SandboxSpec* spec, uint64_t flags, int join_network);

  void* stack_ = nullptr;
  size_t stack_size_ = 0;
  std::thread clone_thread_;
  std::mutex mutex_;
  std::condition_variable changed_;
  bool started_ = false;  // The clone attempt is over (pid_ / clone_error_ set).
  bool reaped_ = false;   // The clone thread may exit.
  pid_t pid_ = -1;
  int clone_error_ = 0;
  bool setns_failed_ = false;
  UniqueFd pidfd_;
};

}  // namespace kiln
