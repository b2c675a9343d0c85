#include "backplane/scheduler_scripts.h"

#include <string>

#include "backplane/scheduler_script_prelude.h"

namespace kiln::backplane_scripts {
namespace {

const char kEnqueue[] = R"lua(
local self, principal, name, merge, qdef, prio = ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7]
local counts = redis.call('HGETALL', P .. 'wcount')
local any = false
for i = 1, #counts, 2 do
  if tonumber(counts[i + 1]) > 0 and satisfies(redis.call('HGET', P .. 'wdefs', counts[i]) or '', qdef) then
    any = true
    break
  end
end
if not any then return {'noworker'} end
if merge ~= '' then
  local joined = redis.call('HGET', P .. 'inflight', merge)
  if joined then
    add_owner(joined, principal)
    -- The more urgent request wins while the action still waits.
    local op = opkey(joined)
    local f = redis.call('HMGET', op, 'inq', 'prio', 'qdef', 'seq')
    if f[1] == '1' and tonumber(prio) < tonumber(f[2]) then
      redis.call('HSET', op, 'prio', prio)
      redis.call('ZADD', P .. 'q:' .. redis.sha1hex(f[3]), tonumber(prio), f[4] .. joined)
    end
    return {'joined', joined}
  end
end
local queued = tonumber(redis.call('GET', P .. 'queued') or '0')
if queued >= tonumber(ARGV[13]) then
  local others, mine = idle_for(qdef, self)
  if #others == 0 and not mine then return {'full', tostring(queued)} end
end
if redis.call('EXISTS', opkey(name)) == 1 then return {'taken'} end
local seq = string.format('%016x', redis.call('INCR', P .. 'seq'))
redis.call('HSET', opkey(name), 'stage', '1', 'done', '0', 'version', '1', 'attempt', '0', 'worker', '',
           'prio', prio, 'seq', seq, 'qdef', qdef, 'merge', merge, 'action', ARGV[8], 'dfn', ARGV[9],
           'digest', ARGV[10], 'qts', ARGV[11], 'window', ARGV[12], 'inq', '0', 'inst', ARGV[14],
           'ct', ARGV[11])
redis.call('SADD', P .. 'names', name)
add_owner(name, principal)
if merge ~= '' then redis.call('HSET', P .. 'inflight', merge, name) end
local mine = queue_push(name, self)
return {'queued', name, mine and '1' or '0'}
)lua";

const char kAddCompleted[] = R"lua(
local name = ARGV[3]
if redis.call('EXISTS', opkey(name)) == 1 then return 'taken' end
redis.call('HSET', opkey(name), 'stage', '3', 'done', '0', 'version', '0', 'dfn', ARGV[4], 'digest', ARGV[5],
           'inst', ARGV[9], 'ct', ARGV[10], 'exit', ARGV[11])
redis.call('SADD', P .. 'names', name)
add_owner(name, ARGV[2])
finish(name, ARGV[7], ARGV[6], '', '', ARGV[8])
return 'ok'
)lua";

const char kGetVisible[] = R"lua(
if not visible(ARGV[2], ARGV[3], ARGV[4]) then return nil end
return snapshot(ARGV[2])
)lua";

const char kListVisible[] = R"lua(
local out = {}
for _, name in ipairs(redis.call('SMEMBERS', P .. 'names')) do
  if visible(name, ARGV[2], ARGV[3]) then table.insert(out, snapshot(name)) end
end
return out
)lua";

const char kCancel[] = R"lua(
local name = ARGV[2]
if not visible(name, ARGV[3], ARGV[4]) then return 'notfound' end
if redis.call('HGET', opkey(name), 'done') == '1' then return 'done' end
finish(name, ARGV[5], '', '1', 'operation cancelled', ARGV[6])
return 'cancelled'
)lua";

const char kAddWorker[] = R"lua(
local self, worker, wdef = ARGV[2], ARGV[3], ARGV[4]
redis.call('HSET', P .. 'wslots', worker, ARGV[5] or '0')
local wh = redis.sha1hex(wdef)
local registration = self .. '|' .. wh
local old = redis.call('HGET', P .. 'workers', worker)
if old == registration then return 0 end
if old then drop_worker(worker, old) end
redis.call('HSET', P .. 'workers', worker, registration)
redis.call('HSET', P .. 'wdefs', wh, wdef)
redis.call('HINCRBY', P .. 'wcount', wh, 1)
redis.call('SADD', P .. 'fworkers:' .. self, worker)
return 1
)lua";

const char kRemoveWorker[] = R"lua(
local self, worker = ARGV[2], ARGV[3]
local registration = redis.call('HGET', P .. 'workers', worker)
if not registration then return 0 end
local fe = split(registration)
if fe ~= self then return 0 end  -- It has moved to another frontend meanwhile.
drop_worker(worker, registration)
local mine = false
-- Sorted: re-queued actions keep their arrival order, but the set's order is arbitrary.
local running = redis.call('SMEMBERS', P .. 'wops:' .. worker)
table.sort(running)
for _, name in ipairs(running) do
  if lose(name, ARGV[4], 'gone', self, ARGV[5], ARGV[6], ARGV[7]) then mine = true end
end
redis.call('DEL', P .. 'wops:' .. worker)
table.insert(TOUCHED, 1, mine and '1' or '0')
return TOUCHED
)lua";

const char kClaim[] = R"lua(
local self, worker, now = ARGV[2], ARGV[3], tonumber(ARGV[4])
-- A retried claim whose first try's answer was lost: the same assignment, if still current.
local token_key = P .. 'claim:' .. ARGV[8]
local prior = redis.call('GET', token_key)
if prior then
  local attempt, name = split(prior)
  local f = redis.call('HMGET', opkey(name), 'worker', 'attempt', 'done', 'action')
  if f[1] == worker and f[2] == attempt and f[3] == '0' then return {'assigned', name, attempt, f[4]} end
end
local registration = redis.call('HGET', P .. 'workers', worker)
if not registration then return {'noworker'} end
if redis.call('SISMEMBER', P .. 'drained', worker) == 1 then return {'drained'} end
local _, wh = split(registration)
local wdef = redis.call('HGET', P .. 'wdefs', wh) or ''
local best, best_score
local qdefs = redis.call('HGETALL', P .. 'qdefs')
for i = 1, #qdefs, 2 do
  if satisfies(wdef, qdefs[i + 1]) then
    local head = redis.call('ZRANGE', P .. 'q:' .. qdefs[i], 0, 0, 'WITHSCORES')
    if #head > 0 then
      local score = tonumber(head[2])
      if not best or score < best_score or (score == best_score and head[1] < best) then
        best, best_score = head[1], score
      end
    end
  end
end
local idle_key = self .. '|' .. wh
if not best then
  redis.call('HSET', P .. 'idle', idle_key, ARGV[6])
  return {'none'}
end
redis.call('HSET', P .. 'idle', idle_key, ARGV[7])
local name = string.sub(best, 17)
queue_remove(name)
local op = opkey(name)
local attempt = redis.call('HINCRBY', op, 'attempt', 1)
local deadline = now + tonumber(redis.call('HGET', op, 'window'))
redis.call('HSET', op, 'worker', worker, 'deadline', deadline)
redis.call('SADD', P .. 'wops:' .. worker, name)
redis.call('ZADD', P .. 'leases', math.min(now + tonumber(ARGV[5]), deadline), name)
redis.call('SET', token_key, attempt .. '|' .. name, 'PX', 600000)
return {'assigned', name, tostring(attempt), redis.call('HGET', op, 'action')}
)lua";

const char kReportExecuting[] = R"lua(
local name = ARGV[2]
local op = opkey(name)
local f = redis.call('HMGET', op, 'done', 'worker', 'attempt', 'stage')
if f[1] ~= '0' or f[2] ~= ARGV[3] or f[3] ~= ARGV[4] or f[4] == '2' then return nil end
redis.call('HSET', op, 'stage', '2', 'mworker', ARGV[3], 'wts', ARGV[5], 'out', ARGV[6], 'err', ARGV[7])
changed(name)
return snapshot(name)
)lua";

const char kFindAssignment[] = R"lua(
local f = redis.call('HMGET', opkey(ARGV[2]), 'done', 'worker', 'attempt', 'action')
if f[1] ~= '0' or f[2] ~= ARGV[3] or f[3] ~= ARGV[4] or not f[4] then return nil end
return f[4]
)lua";

const char kReportCompleted[] = R"lua(
local name = ARGV[2]
local f = redis.call('HMGET', opkey(name), 'done', 'worker', 'attempt')
-- Stale reports: cancelled, already finished, or an attempt taken back from this worker.
if f[1] ~= '0' or f[2] ~= ARGV[3] or f[3] ~= ARGV[4] then return nil end
redis.call('HSET', opkey(name), 'mworker', ARGV[3], 'exit', ARGV[8])
finish(name, ARGV[6], ARGV[5], '', '', ARGV[7])
return snapshot(name)
)lua";

const char kMaintain[] = R"lua(
local self, now, lease = ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
redis.call('ZADD', P .. 'frontends', now + tonumber(ARGV[5]), self)
-- Leases of what this frontend's workers run: pairs of a worker and the names, separated by
-- spaces, of what this frontend knows it runs. Only those: what Redis lists beyond them (a
-- report lost in a failover) runs out and comes back.
for i = 10, #ARGV - 1, 2 do
  local registration = redis.call('HGET', P .. 'workers', ARGV[i])
  if registration and split(registration) == self then
    local known = {}
    for name in string.gmatch(ARGV[i + 1], '%S+') do known[name] = true end
    for _, name in ipairs(redis.call('SMEMBERS', P .. 'wops:' .. ARGV[i])) do
      if known[name] then
        local deadline = tonumber(redis.call('HGET', opkey(name), 'deadline') or now)
        redis.call('ZADD', P .. 'leases', math.min(now + lease, deadline), name)
      end
    end
  end
end
-- Frontends that stopped renewing: their workers are gone with them (a worker that moved
-- has registered elsewhere already). What they ran comes back when its lease expires.
for _, fe in ipairs(redis.call('ZRANGEBYSCORE', P .. 'frontends', '-inf', '(' .. now)) do
  for _, worker in ipairs(redis.call('SMEMBERS', P .. 'fworkers:' .. fe)) do
    local registration = redis.call('HGET', P .. 'workers', worker)
    if registration and split(registration) == fe then drop_worker(worker, registration) end
  end
  for _, entry in ipairs(redis.call('HKEYS', P .. 'idle')) do
    if split(entry) == fe then redis.call('HDEL', P .. 'idle', entry) end
  end
  redis.call('DEL', P .. 'fworkers:' .. fe, P .. 'wake:' .. fe)
  redis.call('ZREM', P .. 'frontends', fe)
end
local mine = false
for _, name in ipairs(redis.call('ZRANGEBYSCORE', P .. 'leases', '-inf', '(' .. now, 'LIMIT', 0, 1000)) do
  local deadline = tonumber(redis.call('HGET', opkey(name), 'deadline') or now)
  local loss = now > deadline and 'noreport' or 'gone'
  if lose(name, now, loss, self, ARGV[8], ARGV[7], ARGV[9]) then mine = true end
end
-- Finished operations past the retention period.
local cutoff = now - tonumber(ARGV[6])
local more = true
while more do
  local oldest = redis.call('ZRANGE', P .. 'finished', 0, 99)
  more = #oldest == 100
  for _, name in ipairs(oldest) do
    if tonumber(redis.call('HGET', opkey(name), 'fin') or '0') >= cutoff then
      more = false
      break
    end
    forget(name)
  end
end
table.insert(TOUCHED, 1, mine and '1' or '0')
return TOUCHED
)lua";

// Filters on the small fields first, so that only the page's operations are read whole.
const char kListOperations[] = R"lua(
local instance, stage, exit = ARGV[2], ARGV[3], ARGV[4]
local matching = {}
for _, name in ipairs(redis.call('SMEMBERS', P .. 'names')) do
  local f = redis.call('HMGET', opkey(name), 'inst', 'stage', 'exit', 'ct')
  if (instance == '' or (f[1] or '') == string.sub(instance, 2)) and (stage == '' or f[2] == stage) and
     (exit == '' or f[3] == exit) then
    table.insert(matching, {tonumber(f[4] or '0') or 0, name})
  end
end
table.sort(matching, function(a, b)
  if a[1] ~= b[1] then return a[1] > b[1] end
  return a[2] < b[2]
end)
local out = {tostring(#matching)}
local first = tonumber(ARGV[5]) + 1
for i = first, math.min(#matching, first + tonumber(ARGV[6]) - 1) do
  table.insert(out, snapshot(matching[i][2]))
end
return out
)lua";

const char kListWorkers[] = R"lua(
local out, listed = {}, {}
local workers = redis.call('HGETALL', P .. 'workers')
for i = 1, #workers, 2 do
  local worker = workers[i]
  local _, wh = split(workers[i + 1])
  listed[worker] = true
  table.insert(out, {worker, redis.call('HGET', P .. 'wdefs', wh) or '', redis.call('HGET', P .. 'wslots', worker) or '0',
                     tostring(redis.call('SISMEMBER', P .. 'drained', worker)), '1',
                     redis.call('SMEMBERS', P .. 'wops:' .. worker)})
end
for _, worker in ipairs(redis.call('SMEMBERS', P .. 'drained')) do
  if not listed[worker] then table.insert(out, {worker, '', '0', '1', '0', {}}) end
end
return out
)lua";

const char kSetDrained[] = R"lua(
local worker = ARGV[2]
local registration = redis.call('HGET', P .. 'workers', worker)
if not registration and redis.call('SISMEMBER', P .. 'drained', worker) == 0 then return 'notfound' end
if ARGV[3] == '1' then
  redis.call('SADD', P .. 'drained', worker)
  return 'ok'
end
redis.call('SREM', P .. 'drained', worker)
-- Its frontend claims again for the requests it kept waiting.
if registration then
  local fe = split(registration)
  redis.call('LPUSH', P .. 'wake:' .. fe, '1')
  redis.call('LTRIM', P .. 'wake:' .. fe, 0, 15)
end
return 'ok'
)lua";

const char kLoad[] = R"lua(
local queue = {}
local qdefs = redis.call('HGETALL', P .. 'qdefs')
for i = 1, #qdefs, 2 do
  local key = P .. 'q:' .. qdefs[i]
  -- One step per distinct priority (the score), not per queued action.
  local head = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
  while #head > 0 do
    local prio = head[2]
    table.insert(queue, qdefs[i + 1])
    table.insert(queue, prio)
    table.insert(queue, tostring(redis.call('ZCOUNT', key, prio, prio)))
    head = redis.call('ZRANGEBYSCORE', key, '(' .. prio, '+inf', 'WITHSCORES', 'LIMIT', 0, 1)
  end
end
local busy = 0
local workers = redis.call('HKEYS', P .. 'workers')
for _, worker in ipairs(workers) do busy = busy + redis.call('SCARD', P .. 'wops:' .. worker) end
local idle = 0
for _, count in ipairs(redis.call('HVALS', P .. 'idle')) do idle = idle + (tonumber(count) or 0) end
return {tostring(#workers), tostring(busy), tostring(idle), queue}
)lua";

redis::RedisScript Make(const char* body) { return redis::RedisScript(std::string(kSchedulerScriptPrelude) + body); }

}  // namespace

#define KILN_BACKPLANE_SCRIPT(Name, Body)           \
  const redis::RedisScript& Name() {                \
    static const redis::RedisScript script = Make(Body); \
    return script;                                  \
  }

KILN_BACKPLANE_SCRIPT(Enqueue, kEnqueue)
KILN_BACKPLANE_SCRIPT(AddCompleted, kAddCompleted)
KILN_BACKPLANE_SCRIPT(GetVisible, kGetVisible)
KILN_BACKPLANE_SCRIPT(ListVisible, kListVisible)
KILN_BACKPLANE_SCRIPT(Cancel, kCancel)
KILN_BACKPLANE_SCRIPT(AddWorker, kAddWorker)
KILN_BACKPLANE_SCRIPT(RemoveWorker, kRemoveWorker)
KILN_BACKPLANE_SCRIPT(Claim, kClaim)
KILN_BACKPLANE_SCRIPT(ReportExecuting, kReportExecuting)
KILN_BACKPLANE_SCRIPT(FindAssignment, kFindAssignment)
KILN_BACKPLANE_SCRIPT(ReportCompleted, kReportCompleted)
KILN_BACKPLANE_SCRIPT(Maintain, kMaintain)
KILN_BACKPLANE_SCRIPT(ListOperations, kListOperations)
KILN_BACKPLANE_SCRIPT(ListWorkers, kListWorkers)
KILN_BACKPLANE_SCRIPT(SetDrained, kSetDrained)
KILN_BACKPLANE_SCRIPT(Load, kLoad)

#undef KILN_BACKPLANE_SCRIPT

}  // namespace kiln::backplane_scripts
