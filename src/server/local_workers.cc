#include "server/local_workers.h"

#include "common/file_util.h"
#include "worker/runner_choice.h"

namespace kiln {

Status StartLocalWorkers(const ServerOptions& options, FileBlobStore* cas, ActionCache* cache, Scheduler* scheduler,
                         LogStreamRegistry* log_streams, ActionMetrics* metrics, std::unique_ptr<Runner>& runner,
                         std::unique_ptr<LocalWorkerPool>& pool) {
  auto made = ChooseRunner(options.sandbox, "kiln");
  if (!made.ok()) return made.status();
  runner = std::move(made->runner);
  LocalWorkerPoolOptions pool_options;
  pool_options.slots = options.workers;
  pool_options.platform = Platform(options.worker_platform);
  pool_options.executor.work_root = options.work_dir.empty() ? options.data_dir + "/work" : options.work_dir;
  pool_options.executor.worker_id = "local";
  pool_options.executor.limits = options.action_limits;
  pool_options.log_streams = log_streams;
  pool_options.metrics = metrics;
  pool_options.executor.cas = cas;
  pool_options.executor.runner = runner.get();
  // Verified before it is linked: an action must never run on a corrupt stored file. (A
  // read-through CAS fetches the blob from the storage node first.)
  pool_options.executor.local_blob_path = [cas](const Digest& digest) { return cas->VerifiedPathFor(digest); };
  pool_options.executor.max_message_bytes = options.max_message_bytes;
  // Inputs are hardlinked from the CAS only where the action runs as a user that can
  // neither write nor chmod the CAS's read-only files (runner_choice.h); else copied.
  if (made->may_hardlink_inputs) pool_options.executor.input_hardlinks = InputHardlinks::kAlways;
  // A sandboxed action dies with its whole pid namespace, so nothing can write an output
  // once the run is over: outputs are moved into the CAS instead of copied (with a storage
  // node: into the local cache, and uploaded from there before the result is reported).
  if (made->sandboxed) {
    pool_options.executor.move_outputs = [cas](int dir_fd, const std::string& name, int fd, DigestFunction function) {
      return cas->AdoptFile(dir_fd, name, fd, function);
    };
  }
  KILN_RETURN_IF_ERROR(CleanWorkRoot(pool_options.executor.work_root));
  pool = std::make_unique<LocalWorkerPool>(scheduler, cache, pool_options);
  pool->Start();
  return Status::Ok();
}


}  // namespace kiln
