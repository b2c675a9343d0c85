// Small helpers over a cgroup's control files, shared by the v1 and v2 action cgroups.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

#include "common/file_util.h"
#include "common/status.h"

namespace kiln {

// A kernel file (/proc, cgroupfs) read to its end: their sizes say nothing. At most 1 MiB.
StatusOr<std::string> ReadKernelFile(const std::string& path);
Status WriteCgroupFile(const std::string& path, const std::string& value);
// DIR/cgroup.procs open for writing (close-on-exec).
StatusOr<UniqueFd> OpenCgroupProcs(const std::string& dir);
// The number after `key` in a "key value" file (memory.events, pids.events,
// memory.oom_control); 0 if the file or the key is missing.
int64_t CgroupCounter(const std::string& path, const std::string& key);
// SIGKILLs every process listed in `procs_file` until none is left (bounded: about 2 s),
// then removes `directory`. Best effort: a cgroup that cannot be removed now stays empty.
void KillAndRemoveCgroup(const std::string& directory, const std::string& procs_file);
// "kiln-action-<pid>-<random>-<n>": unique among this host's kiln processes, whatever
// their PID namespace, and across pid reuse.
std::string NextActionCgroupName();

}  // namespace kiln
