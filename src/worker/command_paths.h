// The paths a Command names (its working directory and the outputs to collect), resolved
// against the input root, and the directories the worker creates before the run: the
// working directory, and the parents of every output (REAPI: "directories leading up to
// the output files are created by the worker prior to execution").
//
// REAPI v2.1 clients send output_paths, where the type of each output is whatever the
// action produced; older clients send output_files and output_directories, which fix the
// type. output_paths wins when both are present.
#pragma once

#include <string>
#include <vector>

#include "build/bazel/remote/execution/v2/remote_execution.pb.h"
#include "common/status.h"

namespace kiln {

namespace reapi = build::bazel::remote::execution::v2;

enum class OutputKind {
  kAny,        // From output_paths.
  kFile,       // From output_files.
  kDirectory,  // From output_directories.
};

struct RequestedOutput {
  std::string path;                     // As the Command names it: relative to the working directory.
  std::vector<std::string> components;  // The same path relative to the input root.
  OutputKind kind = OutputKind::kAny;
};

struct CommandPaths {
  std::vector<std::string> working_directory;  // Components relative to the input root.
  std::vector<RequestedOutput> outputs;
  bool uses_output_paths = false;
};

// INVALID_ARGUMENT for absolute paths or ".." (the caller validates; this is a backstop).
StatusOr<CommandPaths> ResolveCommandPaths(const reapi::Command& command);

// True if one output lies inside another (e.g. output directories "out" and "out/sub"):
// collecting the outer one must then leave the inner one's files in place.
bool OutputsNest(const CommandPaths& paths);

// Creates the working directory and the parent directories of every output below
// `root_fd`, never following a symlink. INVALID_ARGUMENT if one of them exists as
// something other than a directory.
Status CreateCommandDirectories(int root_fd, const CommandPaths& paths);

}  // namespace kiln
