// The sandbox's filesystem, as a list of mount steps decided by the server and executed by
// the sandbox's first process (which may not allocate, so it cannot decide anything that
// needs strings). The layout:
//   - the read-only paths (default "/"), recursively read-only and nosuid;
//   - host /dev read-only (device nodes still work), with a private tmpfs on /dev/shm;
//   - a private tmpfs on /tmp;
//   - the input root, read-write, at its host path;
//   - a fresh /proc for the sandbox's pid namespace.
// It is assembled under kStagingRoot and then made the root with pivot_root, so that
// sources are cloned (open_tree) before anything can hide them: an input root below /tmp
// stays reachable although /tmp is replaced.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/file_util.h"
#include "common/status.h"

namespace kiln {

inline constexpr char kStagingRoot[] = "/tmp";

enum class MountOp {
  kMakePrivate,      // No mount events leak to or from the host.
  kCloneTree,        // tree = open_tree(path), recursive; then `attributes` set on all of it.
  kAttachTree,       // move_mount(tree, path).
  kMountTmpfs,       // With `options` ("mode=...").
  kMountProc,
  kMakeDirectory,    // An existing one is fine.
  kMakeFile,         // An empty mount point for a file; an existing one is fine.
  kMakeReadOnly,     // The mount at `path` only, not the ones below it.
  kPivotRoot,        // `path` becomes "/"; the old root is detached.
};

struct MountStep {
  MountOp op;
  std::string path;
  int tree = -1;            // Index into SandboxSpec::tree_fds.
  uint64_t attributes = 0;  // MOUNT_ATTR_* for kCloneTree.
  std::string options;      // tmpfs options.
};

struct MountPlanRequest {
  std::vector<std::string> read_only_paths;  // Absolute host paths.
  std::string input_root;                    // Canonical (no symlinks); empty: none (the probe).
  // The server clones the input root with CloneInputRoot (a root server must: its sandbox
  // user may be unable to reach it), else the sandbox clones it by path.
  bool input_root_cloned_by_server = false;
  // An ancestor of the input root that the sandbox's host uid cannot search (typically a
  // 0700 work directory). It is covered with an empty read-only tmpfs holding only the path
  // down to the input root; the sandbox could not have looked inside it anyway.
  std::string unsearchable_ancestor;
  // The size of each of the sandbox's private tmpfs (/tmp, /dev/shm), which live in memory;
  // 0: the kernel's default (half of the host's memory).
  int64_t tmpfs_size_bytes = 0;
};

struct MountPlan {
  std::vector<MountStep> steps;
  int tree_count = 0;
  // The slot the server's clone of the input root goes in before the steps run (the
  // sandbox itself may be unable to reach it; see MountPlanRequest); -1 without one.
  int input_root_tree = -1;
};

// INVALID_ARGUMENT for a relative read-only path, NOT_FOUND for a missing one.
StatusOr<MountPlan> PlanSandboxMounts(const MountPlanRequest& request);

// A detached recursive copy of the input root (open_tree), writable, nosuid and nodev, for
// SandboxSpec::input_root_fd. Needs CAP_SYS_ADMIN (a root server).
StatusOr<UniqueFd> CloneInputRoot(const std::string& input_root);

// For error messages: "mount tmpfs on /tmp/tmp".
std::string DescribeMountStep(const MountStep& step);

}  // namespace kiln
