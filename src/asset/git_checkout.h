// Checks out one revision of a git repository, for FetchDirectory with vcs.* qualifiers:
// the `git` command line (Debian's git) run as a child process with a bounded time, a
// clean environment (no prompts, no system config) and only the http, https and file
// transports allowed. The result is a plain tree without .git.
#pragma once

#include <atomic>
#include <string>
#include <vector>

#include "common/clock.h"
#include "worker/runner.h"

namespace kiln {

struct GitCheckoutRequest {
  std::string uri;     // http(s):// or file://
  std::string branch;  // Optional: the branch to take (its tip, unless `commit` is set).
  std::string commit;  // Optional: full hash; with `branch`, it must be on that branch.
  Duration timeout = std::chrono::minutes(5);  // For the whole checkout.
  // Extra settings ("name=value", given to every git command as -c), e.g. the destination
  // pinning of git_destination.h.
  std::vector<std::string> config;
};

// Checks out into {work_dir}/tree ({work_dir} must exist and be empty) and returns the
// commit checked out. NOT_FOUND for a missing repository, branch or commit,
// DEADLINE_EXCEEDED past the timeout, CANCELLED when `stop` is set, UNAVAILABLE for
// other git failures; messages carry git's own error text.
StatusOr<std::string> GitCheckout(Runner& runner, const GitCheckoutRequest& request, const std::string& work_dir,
                                  const std::atomic<bool>& stop);

}  // namespace kiln
