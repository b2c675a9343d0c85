#include "worker/command_paths.h"

#include <algorithm>

#include "worker/path_beneath.h"

namespace kiln {
namespace {

Status CreateDirectory(int root_fd, const std::vector<std::string>& components, const std::string& what) {
  auto created = OpenDirectoryBeneath(root_fd, components, /*create_missing=*/true);
  if (created.ok()) return Status::Ok();
  if (created.status().code() != StatusCode::kFailedPrecondition) return created.status();
  return Status::InvalidArgument("cannot create " + what + ": " + created.status().message());
}

}  // namespace

StatusOr<CommandPaths> ResolveCommandPaths(const reapi::Command& command) {
  auto working_directory = RelativePathComponents(command.working_directory());
  if (!working_directory.ok()) return working_directory.status().WithContext("working_directory");
  CommandPaths paths;
  paths.working_directory = std::move(working_directory).value();
  paths.uses_output_paths = command.output_paths_size() > 0;
  auto add = [&paths](const std::string& path, OutputKind kind) -> Status {
    auto components = RelativePathComponents(path);
    if (!components.ok()) return components.status().WithContext("output");
    RequestedOutput output{path, paths.working_directory, kind};
    output.components.insert(output.components.end(), components->begin(), components->end());
    paths.outputs.push_back(std::move(output));
    return Status::Ok();
  };
  if (paths.uses_output_paths) {
    for (const std::string& path : command.output_paths()) KILN_RETURN_IF_ERROR(add(path, OutputKind::kAny));
    return paths;
  }
  // Deprecated in REAPI v2.1, still what v2.0 clients send.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  for (const std::string& path : command.output_files()) KILN_RETURN_IF_ERROR(add(path, OutputKind::kFile));
  for (const std::string& path : command.output_directories()) KILN_RETURN_IF_ERROR(add(path, OutputKind::kDirectory));
#pragma GCC diagnostic pop
  return paths;
}

Status CreateCommandDirectories(int root_fd, const CommandPaths& paths) {
  KILN_RETURN_IF_ERROR(CreateDirectory(root_fd, paths.working_directory, "the working directory"));
  for (const RequestedOutput& output : paths.outputs) {
    if (output.components.empty()) continue;
    const std::vector<std::string> parent(output.components.begin(), output.components.end() - 1);
    KILN_RETURN_IF_ERROR(CreateDirectory(root_fd, parent, "the parent directories of output \"" + output.path + "\""));
  }
  return Status::Ok();
}

bool OutputsNest(const CommandPaths& paths) {
  for (const RequestedOutput& outer : paths.outputs) {
    for (const RequestedOutput& inner : paths.outputs) {
      if (&outer == &inner || outer.components.size() >= inner.components.size()) continue;
      if (std::equal(outer.components.begin(), outer.components.end(), inner.components.begin())) return true;
    }
  }
  return false;
}

}  // namespace kiln
