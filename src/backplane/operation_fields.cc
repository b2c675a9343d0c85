#include "backplane/operation_fields.h"

#include <chrono>

#include "common/proto_digest.h"
#include "kiln/backplane/v1/queued_action.pb.h"
#include "scheduler/scheduler_messages.h"

namespace kiln {
namespace {

namespace wire = kiln::backplane::v1;

// The fields of kSnapshot in scheduler_scripts.cc, after the name.
enum Field { kStage = 1, kDone, kVersion, kDigestFunction, kDigest, kQueuedAt, kWorkerStartAt, kWorker,
             kStdout, kStderr, kResponse, kErrorCode, kErrorMessage, kAttempt, kAssignee, kInstance, kCreated,
             kFieldCount };

google::protobuf::Timestamp TimestampFromNanos(int64_t nanos) {
  google::protobuf::Timestamp timestamp;
  timestamp.set_seconds(nanos / 1'000'000'000);
  timestamp.set_nanos(static_cast<int32_t>(nanos % 1'000'000'000));
  return timestamp;
}

int64_t Number(const redis::Reply& reply) {
  if (reply.type == redis::Reply::Type::kInteger) return reply.integer;
  try {
    return ReplyText(reply).empty() ? 0 : std::stoll(ReplyText(reply));
  } catch (const std::exception&) {
    return 0;
  }
}

}  // namespace

const std::string& ReplyText(const redis::Reply& reply) {
  static const std::string kEmpty;
  return reply.type == redis::Reply::Type::kString || reply.type == redis::Reply::Type::kStatus ? reply.text : kEmpty;
}

std::string ExitCodeText(const reapi::ExecuteResponse& response) {
  if (!response.has_result() || response.status().code() != 0) return "";
  return std::to_string(response.result().exit_code());
}

std::string MillisText(Duration duration) {
  return std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(duration).count());
}

int64_t UnixNanos(WallTimePoint time) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(time.time_since_epoch()).count();
}

std::string EncodeQueuedAction(const QueuedAction& action) {
  wire::QueuedActionRecord record;
  record.set_instance_name(action.instance_name);
  *record.mutable_action_digest() = ToProto(action.action_digest);
  record.set_digest_function(ToProto(action.action_digest.function()));
  *record.mutable_action() = action.action;
  *record.mutable_command() = action.command;
  for (const auto& [name, value] : action.platform.properties()) {
    auto* property = record.add_platform();
    property->set_name(name);
    property->set_value(value);
  }
  record.set_priority(action.priority);
  record.set_mergeable(action.mergeable);
  record.set_queued_unix_nanos(action.queued_unix_nanos);
  return record.SerializeAsString();
}

StatusOr<std::shared_ptr<const QueuedAction>> DecodeQueuedAction(const std::string& bytes) {
  wire::QueuedActionRecord record;
  if (!record.ParseFromString(bytes)) return Status::Internal("the backplane holds an unreadable queued action");
  auto function = ResolveDigestFunction(record.digest_function(), record.action_digest().hash());
  if (!function.ok()) return Status::Internal("the backplane holds a queued action with " + function.status().message());
  auto digest = FromProto(*function, record.action_digest(), "action_digest");
  if (!digest.ok()) return Status::Internal("the backplane holds a queued action with " + digest.status().message());
  auto action = std::make_shared<QueuedAction>();
  action->instance_name = record.instance_name();
  action->action_digest = *digest;
  action->action = std::move(*record.mutable_action());
  action->command = std::move(*record.mutable_command());
  std::vector<std::pair<std::string, std::string>> properties;
  for (const auto& property : record.platform()) properties.emplace_back(property.name(), property.value());
  action->platform = Platform(std::move(properties));
  action->priority = record.priority();
  action->mergeable = record.mergeable();
  action->queued_unix_nanos = record.queued_unix_nanos();
  return std::shared_ptr<const QueuedAction>(std::move(action));
}

StatusOr<VersionedSnapshot> DecodeSnapshot(const redis::Reply& reply) {
  if (reply.type != redis::Reply::Type::kArray || reply.elements.size() != kFieldCount ||
      ReplyText(reply.elements[0]).empty()) {
    return Status::Internal("the backplane answered with something that is not an operation");
  }
  const auto& f = reply.elements;
  VersionedSnapshot out;
  OperationSnapshot& snapshot = out.snapshot;
  snapshot.name = ReplyText(f[0]);
  snapshot.instance_name = ReplyText(f[kInstance]);
  snapshot.created_unix_nanos = Number(f[kCreated]);
  out.version = Number(f[kVersion]);
  out.attempt = static_cast<int>(Number(f[kAttempt]));
  out.assignee = ReplyText(f[kAssignee]);
  switch (Number(f[kStage])) {
    case 2:
      snapshot.stage = ExecutionStage::kExecuting;
      break;
    case 3:
      snapshot.stage = ExecutionStage::kCompleted;
      break;
    default:
      snapshot.stage = ExecutionStage::kQueued;
  }
  snapshot.done = ReplyText(f[kDone]) == "1";
  reapi::Digest digest;
  if (!digest.ParseFromString(ReplyText(f[kDigest]))) return Status::Internal("unreadable action digest in " + snapshot.name);
  auto function = ResolveDigestFunction(static_cast<reapi::DigestFunction::Value>(Number(f[kDigestFunction])),
                                        digest.hash());
  if (!function.ok()) return Status::Internal("unreadable digest function in " + snapshot.name);
  auto action_digest = FromProto(*function, digest, "action_digest");
  if (!action_digest.ok()) return Status::Internal("unreadable action digest in " + snapshot.name);
  snapshot.action_digest = *action_digest;

  reapi::ExecutedActionMetadata& metadata = snapshot.partial_metadata;
  if (const int64_t queued_at = Number(f[kQueuedAt]); queued_at > 0) {
    *metadata.mutable_queued_timestamp() = TimestampFromNanos(queued_at);
  }
  const std::string& worker = ReplyText(f[kWorker]);
  if (!worker.empty()) metadata.set_worker(worker);
  if (const int64_t started_at = Number(f[kWorkerStartAt]); started_at > 0) {
    *metadata.mutable_worker_start_timestamp() = TimestampFromNanos(started_at);
  }
  snapshot.stdout_stream_name = ReplyText(f[kStdout]);
  snapshot.stderr_stream_name = ReplyText(f[kStderr]);
  if (snapshot.done) {
    if (const int64_t code = Number(f[kErrorCode]); code != 0) {
      snapshot.response = ErrorResponse(static_cast<StatusCode>(code), ReplyText(f[kErrorMessage]));
    } else if (!snapshot.response.ParseFromString(ReplyText(f[kResponse]))) {
      return Status::Internal("unreadable response in " + snapshot.name);
    }
    // The worker fills the result's metadata; keep what only the scheduler knows if it did not.
    if (snapshot.response.has_result()) {
      auto& result_metadata = *snapshot.response.mutable_result()->mutable_execution_metadata();
      if (!result_metadata.has_queued_timestamp() && metadata.has_queued_timestamp()) {
        *result_metadata.mutable_queued_timestamp() = metadata.queued_timestamp();
      }
      if (result_metadata.worker().empty() && !worker.empty()) result_metadata.set_worker(worker);
    }
  }
  return out;
}

}  // namespace kiln
