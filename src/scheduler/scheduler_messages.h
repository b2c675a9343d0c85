// What every scheduler implementation says and decides the same way: which actions merge,
// error responses and refusals, the answer for operations a caller may not see, and
// wall-clock timestamps for REAPI metadata.
#pragma once

#include <string>

#include "common/status.h"
#include "scheduler/scheduler.h"

namespace kiln {

// Wall-clock time for REAPI metadata; the injected Clock is monotonic and has no epoch.
google::protobuf::Timestamp WallClockNow();
// An ExecuteResponse that carries only an error status.
reapi::ExecuteResponse ErrorResponse(StatusCode code, const std::string& message);
// The key under which identical in-flight actions merge ("" is never one).
std::string MergeKey(const QueuedAction& action);
// FAILED_PRECONDITION for an action no registered worker can run.
Status NoWorkerFor(const Platform& platform);
// RESOURCE_EXHAUSTED for an action that would wait behind max_queued others.
Status QueueFull(size_t queued, size_t max_queued);
// How long an assignee has to report the action's result (SchedulerOptions::report_grace).
Duration ReportWindow(const QueuedAction& action, const SchedulerOptions& options);
// What callers that may not see an operation get, word for word what unknown names get.
Status UnknownOperation(const std::string& name);

}  // namespace kiln
