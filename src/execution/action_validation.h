// Checks what a client asks to execute before anything is queued: the Action and Command
// must be in the CAS and well formed, and the whole input tree must be present and valid by
// REAPI's rules. Errors follow REAPI: FAILED_PRECONDITION listing every missing blob (as
// "blobs/{hash}/{size}" PreconditionFailure subjects), INVALID_ARGUMENT naming what is wrong.
#pragma once

#include <string_view>

#include "build/bazel/remote/execution/v2/remote_execution.pb.h"
#include "cas/blob_store.h"
#include "common/digest.h"
#include "scheduler/platform.h"

namespace kiln {

namespace reapi = build::bazel::remote::execution::v2;

struct LoadedAction {
  reapi::Action action;
  reapi::Command command;
  // Action.platform, or the deprecated Command.platform when the Action has none.
  Platform platform;
};

StatusOr<LoadedAction> LoadAndValidateAction(BlobStore& cas, const Digest& action_digest);

// A path relative to the input root: not empty, not absolute, no "." or ".." or empty
// segments (so it cannot escape the root), no NUL. `field` names it in the error.
Status ValidateRelativePath(std::string_view path, std::string_view field);
// Arguments present, environment sorted by name without duplicates, output paths and the
// working directory valid relative paths.
Status ValidateCommand(const reapi::Command& command);
// Entries sorted by name, unique across files, directories and symlinks, names a single
// path segment.
Status ValidateDirectory(const reapi::Directory& directory, DigestFunction function, std::string_view where);

}  // namespace kiln
