// The flags bounding ByteStream uploads on `kiln serve`, and how their limits follow from the
// file descriptor limit: every open upload holds a temp file, and descriptors must remain
// for new connections, reads, staging and actions however many uploads are open.
//
// Rule: uploads may hold at most half of the descriptor limit. The default total is a
// quarter of it (at most 4096); the default per connection an eighth of the total.
#pragma once

#include <cstdint>
#include <string>

#include "cli/flags.h"
#include "common/clock.h"

namespace kiln {

struct UploadLimitFlags {
  int64_t max_open = 0;            // 0: derived from the descriptor limit.
  int64_t max_per_connection = 0;  // 0: derived from max_open.
  Duration stall_timeout = std::chrono::minutes(1);
};

// The fewest descriptors kiln serve starts with (the kernel's usual soft limit is 1024).
inline constexpr int64_t kMinDescriptorLimit = 256;

void AddUploadLimitFlags(FlagSet& flags, UploadLimitFlags& limits);

// Fills in the derived defaults for a process allowed `descriptor_limit` descriptors, or
// says which flag asks for more than that limit leaves room for.
StatusOr<UploadLimitFlags> ResolveUploadLimits(UploadLimitFlags limits, int64_t descriptor_limit);

}  // namespace kiln
