#include "worker/sandbox_spec.h"


namespace kiln {

std::string SandboxStageName(SandboxStage stage) {
  switch (stage) {
    case SandboxStage::kStart:
      return "start";
    case SandboxStage::kIdentity:
      return "switch to the sandbox user";
    case SandboxStage::kDescriptors:
      return "set up descriptors";
    case SandboxStage::kMount:
      return "mount";
    case SandboxStage::kLoopback:
      return "bring up lo";
    case SandboxStage::kFork:
      return "fork the command";
    case SandboxStage::kChdir:
      return "chdir";
    case SandboxStage::kDropCapabilities:
      return "drop capabilities";
    case SandboxStage::kCgroup:
      return "join the action's cgroup";
    case SandboxStage::kExec:
      return "exec";
  }
  return "unknown step";
}

}  // namespace kiln
