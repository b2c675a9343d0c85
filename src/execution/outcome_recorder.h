// Turns what a worker reports for an action into the ExecuteResponse clients receive, and
// caches the result when REAPI allows it: the command ran, exited 0, and the action is not
// do_not_cache. Shared by local and (later) remote workers.
#pragma once

#include "ac/action_cache.h"
#include "scheduler/scheduler.h"
#include "worker/action_executor.h"

namespace kiln {

reapi::ExecuteResponse RecordOutcome(ActionCache& cache, const QueuedAction& action, ExecutionOutcome outcome);

}  // namespace kiln
