// The Lua scripts that change a Redis backplane's scheduler state. Every change a frontend
// makes is one script, so Redis applies it atomically: no other frontend ever sees an
// operation half queued, or an action handed to two workers. All keys share one hash tag
// (backplane_keys.h), so in a Redis Cluster they live on one master and one script may
// touch them all.
//
// Conventions: KEYS[1] is the anchor key (it only routes the call); ARGV[1] is the key
// prefix "kiln:{NAMESPACE}:"; each script's own arguments follow. Times are wall-clock
// milliseconds since the epoch from the calling frontend's clock (leases are tens of
// seconds; NTP keeps hosts far closer than that). The operation hash's fields and the
// snapshot they make are described in operation_fields.h.
#pragma once

#include "redis/redis_script.h"

namespace kiln::backplane_scripts {

// ARGV: self, principal, name, merge key, platform definition, priority, QueuedActionRecord,
//       digest function, digest, queued time (unix ns), report window (ms), max queued,
//       instance name.
// -> {"joined", name} | {"queued", name, "1" if `self` has an idle request that may run it}
//    | {"noworker"} | {"full", queued count} | {"taken"} (the name exists: pick another)
const redis::RedisScript& Enqueue();
// ARGV: principal, name, digest function, digest, ExecuteResponse, now, max retained,
//       instance name, created (unix ns), exit code ("" if the action did not run).
// -> "ok" | "taken"
const redis::RedisScript& AddCompleted();
// ARGV: name, principal, admin ("1"/"0") -> snapshot fields, or nil when not visible.
const redis::RedisScript& GetVisible();
// ARGV: principal, admin -> array of snapshot field arrays.
const redis::RedisScript& ListVisible();
// ARGV: name, principal, admin, now, max retained -> "notfound" | "done" | "cancelled"
const redis::RedisScript& Cancel();
// ARGV: self, worker, platform definition, slots -> 1 if the registration changed.
const redis::RedisScript& AddWorker();
// ARGV: self, worker, now, max attempts, max retained, grace (s)
// -> {"1" if a re-queued action may run on one of `self`'s idle requests, else "0",
//     then the names of the operations whose watchers must hear of a change}
const redis::RedisScript& RemoveWorker();
// ARGV: self, worker, now, lease (ms), idle count if nothing is assigned, idle count if
//       something is, claim token -> {"assigned", name, attempt, QueuedActionRecord} |
//       {"none"} | {"noworker"} | {"drained"} (the worker takes no new work). Retried with the same token after its answer was lost, it
//       answers with the same assignment (while it is current) instead of taking another.
const redis::RedisScript& Claim();
// ARGV: name, worker, attempt, worker start (unix ns), stdout name, stderr name
// -> snapshot fields, or nil if that is not the operation's current attempt.
const redis::RedisScript& ReportExecuting();
// ARGV: name, worker, attempt -> the QueuedActionRecord while `worker` holds that attempt
// of the operation (not done, not taken back), else nil.
const redis::RedisScript& FindAssignment();
// ARGV: name, worker, attempt, ExecuteResponse, now, max retained, exit code ("" if the
//       action did not run) -> snapshot fields or nil.
const redis::RedisScript& ReportCompleted();
// ARGV: self, now, lease (ms), frontend ttl (ms), retention (ms), max retained,
//       max attempts, grace (s), then for each worker connected to `self` its id and the
//       space-separated names of the operations `self` knows it runs.
// -> as RemoveWorker.
const redis::RedisScript& Maintain();

// The operators' queries (scheduler/scheduler_queries.h), each one script call:
// ARGV: instance ("" any, else "=" then the name), stage ("" any, "1" queued, "2" executing,
//       "3" completed), exit code ("" any), offset, page size
// -> {total matching, snapshot fields of each operation of the page, newest first}.
const redis::RedisScript& ListOperations();
// -> {{worker, platform definition, slots, drained "1"/"0", connected "1"/"0",
//      {running operation names}}...}
const redis::RedisScript& ListWorkers();
// ARGV: worker, "1" drain / "0" undrain -> "ok" | "notfound".
const redis::RedisScript& SetDrained();
// ARGV: none -> {workers, busy slots, idle slots, {definition, priority, count, ...}}: the
// farm's load for metrics, by queue (platform definition) and priority.
const redis::RedisScript& Load();

}  // namespace kiln::backplane_scripts
