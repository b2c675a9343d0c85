#include "worker/sandbox_spec.h"

#include "worker/executable_search.h"

namespace kiln {

SandboxCommand MakeSandboxCommand(const RunRequest& request) {
  SandboxCommand command;
  command.strings.reserve(request.arguments.size() + request.environment.size() + 1);
  for (const std::string& argument : request.arguments) command.strings.push_back(argument);
  for (const auto& [name, value] : request.environment) command.strings.push_back(name + "=" + value);
  command.strings.push_back("/bin/sh");
  const size_t arguments = request.arguments.size();
  for (size_t i = 0; i < arguments; ++i) command.argv.push_back(command.strings[i].data());
  command.argv.push_back(nullptr);
  for (size_t i = arguments; i + 1 < command.strings.size(); ++i) command.envp.push_back(command.strings[i].data());
  command.envp.push_back(nullptr);
  command.shell_argv = {command.strings.back().data(), nullptr};  // [1]: the candidate, set by the child.
  for (size_t i = 1; i < arguments; ++i) command.shell_argv.push_back(command.strings[i].data());
  command.shell_argv.push_back(nullptr);
  command.candidates = ExecutableCandidates(request.arguments[0], request.environment);
  command.working_directory = request.working_directory;
  return command;
}

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
    case SandboxStage::kExec:
      return "exec";
  }
  return "unknown step";
}

}  // namespace kiln
