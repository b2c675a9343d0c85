// The process's file descriptor limit (RLIMIT_NOFILE). A server holding one descriptor per
// connection, upload and open blob runs out long before the usual soft limit of 1024, and
// once it does, accept() fails and nobody can connect: kiln raises the soft limit to the
// hard one at start, and sizes its upload limits from the result.
#pragma once

#include <cstdint>

#include "common/status.h"

namespace kiln {

struct DescriptorLimit {
  int64_t before = 0;  // The soft limit found.
  int64_t now = 0;     // The soft limit in effect.
};

// Raises the soft RLIMIT_NOFILE to the hard limit (capped at what the kernel allows, and at
// 1<<20: more is never needed and some hard limits are "unlimited").
StatusOr<DescriptorLimit> RaiseDescriptorLimit();

}  // namespace kiln
