#include "worker/runner_choice.h"

#include <iostream>

#include "worker/sandbox_identity.h"

namespace kiln {

Status CheckSandboxMode(const std::string& sandbox) {
  if (sandbox != "auto" && sandbox != "namespaces" && sandbox != "none") {
    return Status::InvalidArgument("--sandbox must be auto, namespaces or none, not \"" + sandbox + "\"");
  }
  return Status::Ok();
}

StatusOr<ChosenRunner> ChooseRunner(const std::string& sandbox, std::string_view program) {
  KILN_RETURN_IF_ERROR(CheckSandboxMode(sandbox));
  if (sandbox == "none") return ChosenRunner{NewProcessRunner(), false, false};
  SandboxOptions options;
  std::string no_cgroups;
  options.cgroups = DiscoverActionCgroups(&no_cgroups);
  auto sandboxed = NewSandboxRunner(options);
  if (sandboxed.ok()) {
    if (options.cgroups) {
      std::cerr << program << ": each action runs in a cgroup of its own (" << options.cgroups->Describe() << ")\n";
    } else {
      std::cerr << program << ": actions' memory and process limits count per process (rlimits): no cgroups for them ("
                << no_cgroups << ")\n";
    }
    return ChosenRunner{std::move(sandboxed).value(), true, SandboxIdentityForThisServer().separate_user};
  }
  if (sandbox == "namespaces") return sandboxed.status();
  std::cerr << program << ": WARNING: actions run WITHOUT a sandbox: " << sandboxed.status().message() << "\n";
  return ChosenRunner{NewProcessRunner(), false, false};
}

}  // namespace kiln
