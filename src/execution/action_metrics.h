// Metrics of executed actions: how long each phase took -- waiting in the queue, staging
// the inputs, running the command, uploading the outputs -- by how the action ended, from
// the timestamps the worker reports in ExecutedActionMetadata (and the time the action was
// queued, which QueuedAction carries). Recorded where every worker's report passes
// (RecordOutcome), local worker or remote. Thread-safe.
#pragma once

#include "metrics/metric_registry.h"
#include "scheduler/scheduler.h"

namespace kiln {

class ActionMetrics {
 public:
  // Adds kiln_action_phase_seconds and kiln_actions_executed_total to `registry`, which
  // must outlive this.
  explicit ActionMetrics(metrics::MetricRegistry& registry);

  // `status`: the worker's error, OK if the command ran (whatever its exit code).
  void Record(const QueuedAction& action, const reapi::ActionResult& result, const Status& status);

  // "success" (exit code 0), "exit_nonzero", or the error's code ("DEADLINE_EXCEEDED" for
  // a timeout, ...): few values, unlike exit codes themselves.
  static std::string Outcome(const reapi::ActionResult& result, const Status& status);

 private:
  metrics::Family<metrics::Histogram>& phases_;
  metrics::Family<metrics::Counter>& executed_;
};

}  // namespace kiln
