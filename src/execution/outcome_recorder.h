// Turns what a worker reports for an action into the ExecuteResponse clients receive, and
// caches the result when REAPI allows it: the command ran, exited 0, and the action is not
// do_not_cache. Shared by local and remote workers, so it also records the action's
// metrics (`metrics`, when not null).
#pragma once

#include "ac/action_cache.h"
#include "execution/action_metrics.h"
#include "scheduler/scheduler.h"
#include "worker/action_executor.h"

namespace kiln {

reapi::ExecuteResponse RecordOutcome(ActionCache& cache, const QueuedAction& action, ExecutionOutcome outcome,
                                     ActionMetrics* metrics = nullptr);

}  // namespace kiln
