// Executes a MountPlan inside the sandbox's fresh mount namespace. Runs in the cloned child:
// system calls only (see sandbox_spec.h).
#pragma once

#include <vector>

#include "worker/sandbox_mount_plan.h"

namespace kiln {

struct MountFailure {
  int step = -1;  // Index into the plan.
  int error = 0;  // errno.
};

// `tree_fds` has room for plan.tree_count descriptors, the input root's already filled in.
// Returns false and fills `failure` at the first step that fails; the caller then exits,
// which discards the half-built namespace.
bool ApplyMountPlan(const std::vector<MountStep>& steps, std::vector<int>& tree_fds, MountFailure& failure);

}  // namespace kiln
