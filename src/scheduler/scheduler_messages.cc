#include "scheduler/scheduler_messages.h"

#include <algorithm>
#include <chrono>

namespace kiln {

google::protobuf::Timestamp WallClockNow() {
  const auto since_epoch = std::chrono::system_clock::now().time_since_epoch();
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(since_epoch);
  google::protobuf::Timestamp timestamp;
  timestamp.set_seconds(seconds.count());
  const auto nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(since_epoch - seconds);
  timestamp.set_nanos(static_cast<int32_t>(nanos.count()));
  return timestamp;
}

reapi::ExecuteResponse ErrorResponse(StatusCode code, const std::string& message) {
  reapi::ExecuteResponse response;
  response.mutable_status()->set_code(static_cast<int>(code));
  response.mutable_status()->set_message(message);
  return response;
}

// Identical actions merge only within one instance and digest function. The instance name
// is length-prefixed so that no instance name can run into the digest part.
std::string MergeKey(const QueuedAction& action) {
  const Digest& digest = action.action_digest;
  return std::to_string(action.instance_name.size()) + ":" + action.instance_name + "/" +
         std::string(DigestFunctionName(digest.function())) + "/" + digest.ToString();
}

Status NoWorkerFor(const Platform& platform) {
  return Status::FailedPrecondition("no worker offers platform " +
                                    (platform.empty() ? std::string("(no properties)") : platform.ToString()));
}

Status QueueFull(size_t queued, size_t max_queued) {
  return Status::ResourceExhausted("the execution queue is full: " + std::to_string(queued) +
                                   " actions are waiting for a worker, as many as --max-queued-actions allows (" +
                                   std::to_string(max_queued) + "); retry later");
}

Duration ReportWindow(const QueuedAction& action, const SchedulerOptions& options) {
  const auto& timeout = action.action.timeout();
  // Clamped before converting: seconds near INT64_MAX overflow as nanoseconds.
  const int64_t max_seconds = std::chrono::duration_cast<std::chrono::seconds>(options.max_action_timeout).count();
  const Duration requested = std::chrono::seconds(std::min<int64_t>(timeout.seconds(), max_seconds + 1)) +
                             std::chrono::nanoseconds(timeout.nanos());
  const Duration enforced =
      std::min(requested > Duration::zero() ? requested : options.default_action_timeout, options.max_action_timeout);
  return enforced + options.report_grace;
}

Status UnknownOperation(const std::string& name) { return Status::NotFound("operation " + name + " is not known"); }

}  // namespace kiln
