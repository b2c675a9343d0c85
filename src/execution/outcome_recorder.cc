#include "execution/outcome_recorder.h"

#include <iostream>

#include "common/rpc_status.h"

namespace kiln {

reapi::ExecuteResponse RecordOutcome(ActionCache& cache, const QueuedAction& action, ExecutionOutcome outcome,
                                     ActionMetrics* metrics) {
  if (metrics != nullptr) metrics->Record(action, outcome.result, outcome.status);
  reapi::ExecuteResponse response;
  const bool cacheable = outcome.status.ok() && outcome.result.exit_code() == 0 && !action.action.do_not_cache();
  if (cacheable) {
    Status stored = cache.Put(action.instance_name, action.action_digest, outcome.result);
    // The client still gets its result; only later cache hits are lost.
    if (!stored.ok()) std::cerr << "kiln: caching result of " << action.action_digest.ToString() << ": " << stored.ToString() << "\n";
  }
  *response.mutable_result() = std::move(outcome.result);
  *response.mutable_status() = ToRpcStatus(outcome.status);
  return response;
}

}  // namespace kiln
