// Runs one action end to end on this host: an empty work directory, inputs staged from the
// CAS (hardlinked when the CAS is on local disk), output parent directories created, the
// command run by a Runner, outputs uploaded to the CAS, and the ActionResult built. The work
// directory is emptied for the next action (or removed) afterwards, whatever happened.
#pragma once

#include <atomic>
#include <functional>
#include <string>

#include "build/bazel/remote/execution/v2/remote_execution.pb.h"
#include "cas/blob_store.h"
#include "cas/message_blob.h"
#include "common/clock.h"
#include "common/digest.h"
#include "worker/action_limits.h"
#include "worker/cas_uploader.h"
#include "worker/command_observer.h"
#include "worker/runner.h"
#include "worker/work_directory_pool.h"

namespace kiln {

namespace reapi = build::bazel::remote::execution::v2;

// When inputs may be hardlinked from ActionExecutorOptions::local_blob_path instead of
// copied. A hardlink shares the CAS file's inode, so an action able to write or chmod it
// would change that blob, under its digest, for every later reader and action. The CAS's
// mode 0444 only stops an action that is neither root (root writes read-only files
// regardless) nor the files' owner (who may chmod them first).
enum class InputHardlinks {
  // The default: every input is a copy of its own.
  kNever,
  // For runners that run the action as a uid that neither is root nor owns the CAS files
  // (ChosenRunner::may_hardlink_inputs).
  kAlways,
};

struct ActionExecutorOptions {
  std::string work_root;  // Work directories are created (and removed) below this.
  std::string worker_id;  // Reported in ExecutedActionMetadata.worker.
  BlobStore* cas = nullptr;
  Runner* runner = nullptr;
  // The path of a blob's file if the CAS keeps it on this host's disk (inputs are then
  // hardlinked as input_hardlinks allows, not copied); empty function or empty result =
  // read it through `cas`.
  std::function<std::string(const Digest&)> local_blob_path;
  InputHardlinks input_hardlinks = InputHardlinks::kNever;
  // Set when outputs can be moved into the CAS rather than copied: the CAS is on this
  // host's disk and the runner guarantees that no process of the action outlives it (the
  // namespace sandbox: its whole pid namespace dies with it). Unset = copy.
  OutputMover move_outputs;
  // Used when Action.timeout is unset; longer Action timeouts are capped to max_timeout.
  // The timeout counts from the start of Execute: staging the inputs uses it up too, and
  // the command gets what is left.
  Duration default_timeout = std::chrono::minutes(15);
  Duration max_timeout = std::chrono::hours(3);
  // What each action may consume (action_limits.h); platform properties may ask for other
  // values within the maximums.
  ActionLimitPolicy limits;
  // Measures the timeout while inputs are staged (the runner keeps its own time).
  const Clock* clock = SystemClock::Get();
  // Input Directory messages over this are not read (FAILED_PRECONDITION).
  int64_t max_message_bytes = kDefaultMaxMessageBytes;
};

struct ExecutionOutcome {
  // Exit code, outputs, stdout/stderr digests and execution metadata. Filled as far as the
  // run got, also on timeout (partial stdout/stderr are kept).
  reapi::ActionResult result;
  // OK when the command ran (whatever its exit code). RESOURCE_EXHAUSTED, naming the limit,
  // when it wrote a file, stdout or stderr, or outputs over their limits (it was killed for
  // the first two); INVALID_ARGUMENT for a kiln:max-* platform property it may not have.
  // DEADLINE_EXCEEDED on timeout (also when staging the inputs took all of it),
  // CANCELLED on cancellation, FAILED_PRECONDITION if an input blob vanished from the CAS
  // (with the missing digest in the message), INVALID_ARGUMENT if the command cannot be
  // executed, INTERNAL for local failures. Also FAILED_PRECONDITION, as REAPI specifies,
  // if an output named in output_files is a directory or one in output_directories a file.
  Status status;
};

class ActionExecutor {
 public:
  explicit ActionExecutor(const ActionExecutorOptions& options)
      : options_(options), work_directories_(options.work_root) {}

  // REQUIRES: action and command were validated (sorted directories, relative paths that
  // stay inside the input root). `observer`, if given, is told when the command starts and
  // ends (to follow its output live).
  ExecutionOutcome Execute(const Digest& action_digest, const reapi::Action& action, const reapi::Command& command,
                           const std::atomic<bool>& cancelled, CommandObserver* observer = nullptr);

 private:
  ActionExecutorOptions options_;
  WorkDirectoryPool work_directories_;
};

// Removes leftovers of work directories below `work_root` (a worker restarted mid-action).
Status CleanWorkRoot(const std::string& work_root);

}  // namespace kiln
