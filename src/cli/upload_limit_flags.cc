#include "cli/upload_limit_flags.h"

#include <algorithm>

namespace kiln {

void AddUploadLimitFlags(FlagSet& flags, UploadLimitFlags& limits) {
  flags.AddInt64("max-open-uploads", &limits.max_open,
                 "ByteStream uploads open at once (streamed or interrupted; each holds a file descriptor); a new "
                 "upload beyond it drops the oldest interrupted one, or is RESOURCE_EXHAUSTED if all are being "
                 "streamed. At most half the descriptor limit; 0 = a quarter of it, at most 4096.",
                 FlagRange::AtLeast(0));
  flags.AddInt64("max-uploads-per-connection", &limits.max_per_connection,
                 "ByteStream uploads one client connection may stream at once; RESOURCE_EXHAUSTED beyond. "
                 "0 = an eighth of --max-open-uploads.",
                 FlagRange::AtLeast(0));
  flags.AddDuration("upload-stall-timeout", &limits.stall_timeout,
                    "A ByteStream Write that sends no data for this long is cancelled and its upload dropped "
                    "(not kept for resumption), giving back its file descriptor.");
}

StatusOr<UploadLimitFlags> ResolveUploadLimits(UploadLimitFlags limits, int64_t descriptor_limit) {
  if (descriptor_limit < kMinDescriptorLimit) {
    return Status::FailedPrecondition("the file descriptor limit is " + std::to_string(descriptor_limit) +
                                      "; kiln serve needs at least " + std::to_string(kMinDescriptorLimit) +
                                      " (raise it with ulimit -n)");
  }
  if (limits.stall_timeout <= Duration::zero()) {
    return Status::InvalidArgument("--upload-stall-timeout must be more than 0");
  }
  const int64_t most = descriptor_limit / 2;
  if (limits.max_open == 0) limits.max_open = std::min<int64_t>(4096, descriptor_limit / 4);
  if (limits.max_open > most) {
    return Status::InvalidArgument("--max-open-uploads " + std::to_string(limits.max_open) +
                                   " is more than half the file descriptor limit of " +
                                   std::to_string(descriptor_limit) + " (at most " + std::to_string(most) +
                                   "; the rest is kept for connections, reads and actions)");
  }
  if (limits.max_per_connection == 0) limits.max_per_connection = std::max<int64_t>(1, limits.max_open / 8);
  if (limits.max_per_connection > limits.max_open) {
    return Status::InvalidArgument("--max-uploads-per-connection " + std::to_string(limits.max_per_connection) +
                                   " is more than --max-open-uploads " + std::to_string(limits.max_open));
  }
  return limits;
}

}  // namespace kiln
