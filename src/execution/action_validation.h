// Checks what a client asks to execute before anything is queued: the Action and Command
// must be in the CAS and well formed, and the whole input tree must be present, valid by
// REAPI's rules and within this server's limits once expanded. Errors follow REAPI:
// FAILED_PRECONDITION listing every missing blob (as "blobs/{hash}/{size}"
// PreconditionFailure subjects), INVALID_ARGUMENT naming what is wrong, and
// FAILED_PRECONDITION naming the limit and the figure for a message or tree over a limit.
#pragma once

#include <string_view>

#include "build/bazel/remote/execution/v2/remote_execution.pb.h"
#include "cas/blob_store.h"
#include "cas/message_blob.h"
#include "common/digest.h"
#include "execution/expanded_tree_size.h"
#include "scheduler/platform.h"

namespace kiln {

namespace reapi = build::bazel::remote::execution::v2;

struct LoadedAction {
  reapi::Action action;
  reapi::Command command;
  // Action.platform, or the deprecated Command.platform when the Action has none.
  Platform platform;
  // The input tree once staged.
  ExpandedTreeSize input_size;
};

struct ExecuteLimits {
  // The Action, the Command and each Directory is checked against this before it is read.
  int64_t max_message_bytes = kDefaultMaxMessageBytes;
  InputTreeLimits input_tree;
};

// Reads each distinct Directory of the input tree once, and refuses an over-limit tree as
// soon as the distinct Directories read so far prove it (so neither time nor memory grows
// with more than the limits), otherwise once the expanded size is computed.
StatusOr<LoadedAction> LoadAndValidateAction(BlobStore& cas, const Digest& action_digest,
                                             const ExecuteLimits& limits = {});

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
