// Everything the sandbox's processes need, prepared by the server before clone(). Init
// shares the multi-threaded server's memory and the command is forked from init, so until
// exec they may only make async-signal-safe calls: they read this struct and issue system
// calls, nothing more (no allocation, no locks, no strerror). Failures come back as a
// SandboxFailure record on a close-on-exec pipe, which the server turns into a Status.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "worker/exec_image.h"
#include "worker/runner.h"
#include "worker/sandbox_mount_plan.h"

namespace kiln {

// The command to exec: prepared before any clone or fork.
using SandboxCommand = ExecImage;

struct SandboxSpec {
  // Without a command the sandbox is built and torn down again: NewSandboxRunner's probe.
  bool has_command = false;
  SandboxCommand command;
  std::vector<MountStep> mounts;
  // Filled in by init while it applies `mounts`; sized by the server.
  std::vector<int> tree_fds;
  int input_root_tree = -1;  // Where input_root_fd goes in tree_fds.
  bool drop_supplementary_groups = false;  // Only possible if the server could write gid_map freely.
  bool bring_up_loopback = false;          // In a fresh network namespace, `lo` starts down.

  // Descriptors in the server, inherited through clone().
  int stdio[3] = {-1, -1, -1};
  // A detached clone of the input root (open_tree), made by the server, which can reach it
  // where the sandbox user may lack search permission on the way.
  int input_root_fd = -1;
  // Where the command's process starts, sharing init's memory until it execs (see
  // vfork_clone.h): mapped by the server, which unmaps it after init is gone.
  void* command_stack_top = nullptr;
  // Read end: one byte arrives once the id maps are written; the server keeps the write end
  // open until init is reaped, so a hangup means the server died.
  int release_fd = -1;
  int report_fd = -1;   // Write end, close-on-exec: a SandboxFailure, or nothing.
  // The action cgroup's cgroup.procs files (ActionCgroup::OpenProcsFiles), which the command
  // joins just before exec; -1 without a cgroup.
  int cgroup_procs_fds[2] = {-1, -1};
};

// Where the sandbox stopped. kMount carries the index of the failed MountStep.
enum class SandboxStage : int32_t {
  kStart,
  kIdentity,
  kDescriptors,
  kMount,
  kLoopback,
  kFork,
  kChdir,
  kDropCapabilities,
  kCgroup,
  kExec,
};

struct SandboxFailure {
  SandboxStage stage;
  int32_t mount_step;
  int32_t error;
};

// For error messages: "drop capabilities".
std::string SandboxStageName(SandboxStage stage);

}  // namespace kiln
