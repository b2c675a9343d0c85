// What one action may consume: processes, memory, the size of any one file it writes
// (stdout and stderr included), the size of its stdout and stderr, and the total size of
// the outputs collected from it. The server sets defaults and maximums by flag; an action
// may ask for other values, up to the maximums, with platform properties (kiln:max-memory=2G,
// ...), which are requests to the worker and so never take part in platform matching.
//
// How each is enforced is the runners' business (rlimits in the action's processes,
// sizes checked by the executor); zero means unlimited.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "build/bazel/remote/execution/v2/remote_execution.pb.h"
#include "common/status.h"

namespace kiln {

namespace reapi = build::bazel::remote::execution::v2;

struct ActionLimits {
  int64_t max_processes = 0;     // At once, the command included.
  int64_t max_memory_bytes = 0;  // Per process: heap and private writable mappings.
  int64_t max_file_bytes = 0;    // Any one file the action writes, by its apparent size.
  int64_t max_log_bytes = 0;     // stdout and stderr, each.
  int64_t max_output_bytes = 0;  // All outputs collected, by apparent size.

  friend bool operator==(const ActionLimits&, const ActionLimits&) = default;
};

// The server's word on limits: what an action gets unless it asks, and the most it may ask.
struct ActionLimitPolicy {
  ActionLimits defaults;
  ActionLimits maximums;
  // Niceness every action runs with (0..19), not for the action to choose: actions are
  // batch work and yield the CPU to the server's calls (on `kiln serve` the same machine
  // answers every client; a fork bomb or `yes` must not slow its answers). With nothing
  // else running it costs an action nothing.
  int nice = 10;
};

// kiln's defaults: generous for real builds (compilers, linkers, test binaries), tight
// enough that one careless or hostile action cannot take the host's memory, disk or
// process table. Per process memory counts RLIMIT_DATA, which also counts the terabytes of
// shadow memory sanitizers reserve: such actions need a larger kiln:max-memory.
//   processes 1024 (at most 32768), memory 8G (64G), a file 16G (256G), stdout/stderr 1G
//   (16G), outputs 16G (256G).
ActionLimitPolicy DefaultActionLimitPolicy();

// Each limit: its platform property and the `kiln serve`/`kiln worker` flag that sets its
// default ("--action-max-memory"; the maximum's flag adds "-limit").
struct ActionLimitName {
  int64_t ActionLimits::*field;
  const char* property;  // "kiln:max-memory"
  const char* flag;      // "action-max-memory"
  bool is_bytes;
};
const ActionLimitName* ActionLimitNames(size_t* count);

// True for kiln:max-* properties: limits the action asks for, not worker capabilities.
bool IsActionLimitProperty(std::string_view name);

// The limits for an action with `platform`: the defaults, overridden by its kiln:max-*
// properties. INVALID_ARGUMENT for a malformed value or one above the server's maximum,
// naming the property, the value and the maximum.
StatusOr<ActionLimits> LimitsForAction(const ActionLimitPolicy& policy, const reapi::Platform& platform);

// INVALID_ARGUMENT if a default is negative or above its maximum, naming both flags.
Status CheckActionLimitPolicy(const ActionLimitPolicy& policy);

}  // namespace kiln
