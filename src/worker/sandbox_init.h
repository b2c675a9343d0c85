// The code that runs inside the sandbox: its pid 1 ("init") and the command it starts.
//
// Init becomes the sandbox's user (the id maps written by the server), builds the
// filesystem, forks the command as pid 2 and reaps it. When the command exits, the action
// is over: init kills every process it left in the namespace and reaps them. It exits with
// the command's code, or 128+N if the command was killed by signal N. Killing init (SIGKILL
// from the server, or the kernel's when the server dies) makes the kernel kill everything
// else in the pid namespace.
//
// The command gets its own session and process group, the request's working directory and
// environment, and no capabilities at all: it is uid 0 inside the user namespace only by
// name, and cannot remount the read-only host paths or undo the other mounts.
#pragma once

#include "worker/sandbox_spec.h"

namespace kiln {

// Exit code of a sandbox process that failed before exec (it has sent a SandboxFailure).
inline constexpr int kSandboxSetupFailedExitCode = 127;

// Never returns. Init shares the server's memory (see sandbox_init_process.h): of `spec` it
// writes only tree_fds; the command, a fork of init, has its own copy.
[[noreturn]] void RunSandboxInit(SandboxSpec& spec);

}  // namespace kiln
