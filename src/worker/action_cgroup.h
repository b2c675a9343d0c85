// Per-action cgroups, where the host lets kiln make them. They limit an action's memory
// (all its processes together, page cache and tmpfs included) and its process count as a
// whole, where rlimits can only limit each process; and afterwards they say whether the
// action ran into either limit, so that the breach is reported by name.
//
// Two kinds of host: the unified cgroup v2 hierarchy, where kiln's own cgroup must be
// delegated to it (writable, memory and pids controllers available; kiln moves itself into
// a leaf "kiln-server" so that its cgroup may have children with controllers), and cgroup
// v1's separate memory and pids hierarchies (writable by kiln, i.e. a root server). Where
// neither is there, DiscoverActionCgroups says why and the runners keep to rlimits.
#pragma once

#include <vector>

#include "common/file_util.h"

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>

#include "common/status.h"

namespace kiln {

struct CgroupLimits {
  int64_t max_memory_bytes = 0;  // 0 = unlimited.
  int64_t max_processes = 0;
};

struct CgroupBreaches {
  bool memory = false;     // The kernel's OOM killer killed a process of the action.
  bool processes = false;  // A fork or clone failed because of max_processes.
};

// One action's cgroup. Destroying it kills whatever is still in it and removes it.
class ActionCgroup {
 public:
  virtual ~ActionCgroup() = default;
  // The cgroup.procs files (one per hierarchy), open for writing: a process joins the
  // cgroup by writing "0" to each, and its children follow it. The action's command joins
  // itself just before exec, never the sandbox's init: init shares the server's memory, and
  // the OOM killer, which picks the largest process in the cgroup, would pick init, and with
  // it every process sharing that memory, the server.
  virtual StatusOr<std::vector<UniqueFd>> OpenProcsFiles() const = 0;
  virtual CgroupBreaches Breaches() const = 0;
};

class ActionCgroups {
 public:
  virtual ~ActionCgroups() = default;
  virtual StatusOr<std::unique_ptr<ActionCgroup>> Create(const CgroupLimits& limits) = 0;
  // For the log line at start: "cgroup v2 at /sys/fs/cgroup/system.slice/kiln.service".
  virtual std::string Describe() const = 0;
};

// The cgroups this process may make for actions, or nullptr and *why_not.
std::unique_ptr<ActionCgroups> DiscoverActionCgroups(std::string* why_not);

// The two implementations, for tests and for DiscoverActionCgroups. `base` is the cgroup
// directory actions' cgroups go below (v2: already set up for children with memory and
// pids; v1: one directory in each hierarchy).
std::unique_ptr<ActionCgroups> NewCgroupV2(std::string base);
std::unique_ptr<ActionCgroups> NewCgroupV1(std::string memory_base, std::string pids_base);

}  // namespace kiln
