// Between kiln's scheduler types and what a Redis backplane stores: the QueuedActionRecord
// a waiting action travels in, and the snapshot a script returns (the operation's name,
// then its hash's snapshot fields in scheduler_scripts.cc's SNAPSHOT order).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "common/clock.h"
#include "common/status.h"
#include "redis/redis_reply.h"
#include "scheduler/scheduler.h"

namespace kiln {

std::string EncodeQueuedAction(const QueuedAction& action);
StatusOr<std::shared_ptr<const QueuedAction>> DecodeQueuedAction(const std::string& bytes);

// A snapshot and the version of the operation it was read at (versions only grow).
struct VersionedSnapshot {
  OperationSnapshot snapshot;
  int64_t version = 0;
  // The current assignment: its attempt and worker ("" while queued or done).
  int attempt = 0;
  std::string assignee;
};
// INTERNAL if the reply is not a snapshot (a script and this code disagree).
StatusOr<VersionedSnapshot> DecodeSnapshot(const redis::Reply& reply);

// Unix nanoseconds, the form times take in the operation hash.
int64_t UnixNanos(WallTimePoint time);
// The exit code a script records for a finished operation ("" unless its action ran:
// scheduler_queries.h's ExitCodeOf).
std::string ExitCodeText(const reapi::ExecuteResponse& response);
// Milliseconds as a script argument.
std::string MillisText(Duration duration);
// A string or status reply's text; "" for other replies (nil, integer, array).
const std::string& ReplyText(const redis::Reply& reply);

}  // namespace kiln
