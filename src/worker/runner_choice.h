// The Runner that `kiln serve` (for its local workers) and `kiln worker` run actions with,
// chosen by their --sandbox flag: one rule for both, so a frontend and a remote worker on
// the same host isolate actions alike.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"
#include "worker/runner.h"

namespace kiln {

// What each --sandbox mode means, for the flags' help text.
inline constexpr char kSandboxModesHelp[] =
    "namespaces (user, mount, pid, ipc, network namespaces; host filesystem read-only), none (a plain process "
    "group), or auto (namespaces when this host allows unprivileged user namespaces, else none with a warning).";

// INVALID_ARGUMENT unless `sandbox` is auto, namespaces or none.
Status CheckSandboxMode(const std::string& sandbox);

struct ChosenRunner {
  std::unique_ptr<Runner> runner;
  // The namespace sandbox: no process of an action outlives its run, so outputs may be
  // moved into the CAS.
  bool sandboxed = false;
  // Actions run as a host user that neither is root nor owns the CAS's files (the sandbox
  // of a root server), so those files may be hardlinked into action directories. Anywhere
  // else an action could chmod and rewrite a hardlinked input, which would change the
  // stored blob under its digest: inputs are copied.
  bool may_hardlink_inputs = false;
};

// The runner for `sandbox` (see CheckSandboxMode). "namespaces" fails with the sandbox's own
// error on a host that cannot provide it; "auto" then falls back to a plain process runner
// and prints a warning to stderr, prefixed with `program` ("kiln", "kiln worker").
StatusOr<ChosenRunner> ChooseRunner(const std::string& sandbox, std::string_view program);

}  // namespace kiln
