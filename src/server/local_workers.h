// The local worker slots of `kiln serve --workers N`: the runner the sandbox flag picks, a
// clean work root, and the pool feeding on the scheduler.
#pragma once

#include <memory>

#include "ac/action_cache.h"
#include "cas/file_blob_store.h"
#include "execution/local_worker_pool.h"
#include "logstream/log_stream_registry.h"
#include "scheduler/scheduler.h"
#include "server/kiln_server.h"
#include "worker/runner.h"

namespace kiln {

Status StartLocalWorkers(const ServerOptions& options, FileBlobStore* cas, ActionCache* cache, Scheduler* scheduler,
                         LogStreamRegistry* log_streams, ActionMetrics* metrics, std::unique_ptr<Runner>& runner,
                         std::unique_ptr<LocalWorkerPool>& pool);

}  // namespace kiln
