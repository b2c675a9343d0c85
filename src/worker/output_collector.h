// Gathers what the action produced at the paths its Command named into an ActionResult:
// regular files as OutputFile, directories as OutputDirectory (a Tree in the CAS, plus the
// root Directory's digest when the Command asks for DIRECTORY_ONLY/TREE_AND_DIRECTORY),
// and symlinks as OutputSymlink with the target verbatim (never followed). Missing outputs
// are left out, as REAPI specifies.
//
// Symlinks: with output_paths they go to output_symlinks. With the older
// output_files/output_directories they go to output_file_symlinks or
// output_directory_symlinks, by the list that named them, and not to output_symlinks,
// which REAPI says is "only populated if the command output_paths field was used".
//
// Paths are walked from the input root's fd without following any symlink, so an action
// cannot make the worker read outside its tree; an output reached through a symlinked
// parent counts as missing.
#pragma once

#include "build/bazel/remote/execution/v2/remote_execution.pb.h"
#include "worker/cas_uploader.h"
#include "worker/command_paths.h"

namespace kiln {

namespace reapi = build::bazel::remote::execution::v2;

class OutputCollector {
 public:
  OutputCollector(CasUploader* uploader, reapi::Command::OutputDirectoryFormat format)
      : uploader_(uploader), format_(format) {}

  // FAILED_PRECONDITION if an output named in output_files is a directory or one named in
  // output_directories is a file (REAPI's rule); errors from reading or uploading.
  Status Collect(int root_fd, const CommandPaths& paths, reapi::ActionResult& result);

 private:
  Status CollectOne(int root_fd, const RequestedOutput& output, bool uses_output_paths, reapi::ActionResult& result);
  Status AddFile(int parent_fd, const std::string& name, const RequestedOutput& output, reapi::ActionResult& result);
  Status AddDirectory(int dir_fd, const RequestedOutput& output, reapi::ActionResult& result);
  Status AddSymlink(int parent_fd, const std::string& name, const RequestedOutput& output, bool uses_output_paths,
                    reapi::ActionResult& result);

  CasUploader* uploader_;
  reapi::Command::OutputDirectoryFormat format_;
};

}  // namespace kiln
