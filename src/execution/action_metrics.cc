#include "execution/action_metrics.h"

#include <string>

namespace kiln {
namespace {

double Seconds(const google::protobuf::Timestamp& t) { return static_cast<double>(t.seconds()) + t.nanos() * 1e-9; }

}  // namespace

ActionMetrics::ActionMetrics(metrics::MetricRegistry& registry)
    : phases_(registry.AddHistogram(
          "kiln_action_phase_seconds",
          "How long executed actions spent in each phase (queued, input_staging, execution, output_upload), "
          "by outcome, in seconds.",
          {"phase", "outcome"}, metrics::ActionPhaseBuckets())),
      executed_(registry.AddCounter("kiln_actions_executed_total",
                                    "Actions workers reported as finished, by outcome (success, exit_nonzero, "
                                    "or the error's status code).",
                                    {"outcome"})) {}

std::string ActionMetrics::Outcome(const reapi::ActionResult& result, const Status& status) {
  if (!status.ok()) return std::string(StatusCodeName(status.code()));
  return result.exit_code() == 0 ? "success" : "exit_nonzero";
}

void ActionMetrics::Record(const QueuedAction& action, const reapi::ActionResult& result, const Status& status) {
  const std::string outcome = Outcome(result, status);
  executed_.WithLabels({outcome}).Inc();
  const reapi::ExecutedActionMetadata& m = result.execution_metadata();
  // A phase is observed only when the worker stamped both its ends (an action that failed
  // while staging has no execution phase).
  const auto observe = [&](const char* phase, bool known, double start, double end) {
    if (known && end >= start) phases_.WithLabels({phase, outcome}).Observe(end - start);
  };
  observe("queued", action.queued_unix_nanos > 0 && m.has_worker_start_timestamp(),
          static_cast<double>(action.queued_unix_nanos) * 1e-9, Seconds(m.worker_start_timestamp()));
  observe("input_staging", m.has_input_fetch_start_timestamp() && m.has_input_fetch_completed_timestamp(),
          Seconds(m.input_fetch_start_timestamp()), Seconds(m.input_fetch_completed_timestamp()));
  observe("execution", m.has_execution_start_timestamp() && m.has_execution_completed_timestamp(),
          Seconds(m.execution_start_timestamp()), Seconds(m.execution_completed_timestamp()));
  observe("output_upload", m.has_output_upload_start_timestamp() && m.has_output_upload_completed_timestamp(),
          Seconds(m.output_upload_start_timestamp()), Seconds(m.output_upload_completed_timestamp()));
}

}  // namespace kiln
