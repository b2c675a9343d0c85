#include "backplane/scheduler_script_prelude.h"

namespace kiln::backplane_scripts {

// Shared by every script: key names, platform matching, and the steps of an operation's
// life. Operation hash fields: stage (1 queued, 2 executing, 3 completed), done, version
// (bumped and published on every change a watcher sees), attempt, worker (the current
// assignee), deadline (its report deadline), window (how long an assignee may take), prio,
// seq (arrival, hex), qdef (platform definition), inq (in a queue), merge, action, dfn,
// digest, qts/wts (queued and worker-start times), mworker (the worker watchers see),
// out/err (log stream names), response or errcode/errmsg, fin (finish time), inst (instance
// name), ct (created, unix ns), exit (the action's exit code once it ran; else unset).
extern const char kSchedulerScriptPrelude[] = R"lua(
local P = ARGV[1]
local SNAPSHOT = {'stage', 'done', 'version', 'dfn', 'digest', 'qts', 'wts', 'mworker', 'out', 'err',
                  'response', 'errcode', 'errmsg', 'attempt', 'worker', 'inst', 'ct'}
-- Operations whose watchers must hear of this script's changes (returned by some scripts).
local TOUCHED = {}
local function opkey(name) return P .. 'op:' .. name end
local function ownkey(name) return P .. 'own:' .. name end

local function satisfies(offered, required)
  if required == '' then return true end
  local have = {}
  for line in string.gmatch(offered, '[^\n]+') do have[line] = true end
  for line in string.gmatch(required, '[^\n]+') do
    if not have[line] then return false end
  end
  return true
end

local function split(entry)
  local sep = string.find(entry, '|', 1, true)
  return string.sub(entry, 1, sep - 1), string.sub(entry, sep + 1)
end

local function snapshot(name)
  local values = redis.call('HMGET', opkey(name), unpack(SNAPSHOT))
  table.insert(values, 1, name)
  return values
end

local function changed(name)
  local version = redis.call('HINCRBY', opkey(name), 'version', 1)
  redis.call('PUBLISH', P .. 'events', name .. ' ' .. version)
  table.insert(TOUCHED, name)
end

local function add_owner(name, principal)
  local key = ownkey(name)
  redis.call('ZADD', key, redis.call('INCR', P .. 'ownseq'), principal)
  if redis.call('ZCARD', key) > 64 then redis.call('ZPOPMIN', key) end
end

local function visible(name, principal, admin)
  if redis.call('EXISTS', opkey(name)) == 0 then return false end
  if admin == '1' then return true end
  return redis.call('ZSCORE', ownkey(name), principal) ~= false
end

-- The frontends with an idle work request whose worker could run `qdef`, other than
-- `self`, and whether `self` has one.
local function idle_for(qdef, self)
  local idle = redis.call('HGETALL', P .. 'idle')
  local others, mine, seen = {}, false, {}
  for i = 1, #idle, 2 do
    if tonumber(idle[i + 1]) > 0 then
      local fe, wh = split(idle[i])
      local wdef = redis.call('HGET', P .. 'wdefs', wh)
      if wdef and satisfies(wdef, qdef) then
        if fe == self then
          mine = true
        elseif not seen[fe] then
          seen[fe] = true
          table.insert(others, fe)
        end
      end
    end
  end
  return others, mine
end

-- Queues the operation (its prio, seq and qdef are set) and wakes the frontends that may
-- run it: their blocked BLPOP returns. True if `self` may run it.
local function queue_push(name, self)
  local op = opkey(name)
  local f = redis.call('HMGET', op, 'qdef', 'prio', 'seq')
  local qh = redis.sha1hex(f[1])
  redis.call('HSET', P .. 'qdefs', qh, f[1])
  redis.call('ZADD', P .. 'q:' .. qh, tonumber(f[2]), f[3] .. name)
  redis.call('HSET', op, 'stage', '1', 'inq', '1')
  redis.call('INCR', P .. 'queued')
  local others, mine = idle_for(f[1], self)
  for _, fe in ipairs(others) do
    redis.call('LPUSH', P .. 'wake:' .. fe, '1')
    redis.call('LTRIM', P .. 'wake:' .. fe, 0, 15)
  end
  return mine
end

local function queue_remove(name)
  local op = opkey(name)
  local f = redis.call('HMGET', op, 'qdef', 'seq', 'inq')
  if f[3] ~= '1' then return end
  local qh = redis.sha1hex(f[1])
  redis.call('ZREM', P .. 'q:' .. qh, f[2] .. name)
  if redis.call('ZCARD', P .. 'q:' .. qh) == 0 then redis.call('HDEL', P .. 'qdefs', qh) end
  redis.call('HSET', op, 'inq', '0')
  redis.call('DECR', P .. 'queued')
end

-- Takes the operation from its assignee, if any; returns the assignee's id or ''.
local function unassign(name)
  local op = opkey(name)
  local worker = redis.call('HGET', op, 'worker')
  if worker and worker ~= '' then
    redis.call('SREM', P .. 'wops:' .. worker, name)
    redis.call('HSET', op, 'worker', '')
  end
  redis.call('ZREM', P .. 'leases', name)
  return worker or ''
end

local function forget(name)
  redis.call('DEL', opkey(name), ownkey(name))
  redis.call('ZREM', P .. 'finished', name)
  redis.call('SREM', P .. 'names', name)
end

-- Completes the operation with a response, or with an error code and message.
local function finish(name, now, response, errcode, errmsg, max_retained)
  local op = opkey(name)
  queue_remove(name)
  unassign(name)
  local merge = redis.call('HGET', op, 'merge')
  if merge and merge ~= '' then
    if redis.call('HGET', P .. 'inflight', merge) == name then redis.call('HDEL', P .. 'inflight', merge) end
    redis.call('HSET', op, 'merge', '')
  end
  redis.call('HSET', op, 'stage', '3', 'done', '1', 'response', response, 'errcode', errcode, 'errmsg', errmsg,
             'fin', now)
  redis.call('HDEL', op, 'action')
  redis.call('ZADD', P .. 'finished', redis.call('INCR', P .. 'finseq'), name)
  changed(name)
  -- The oldest finished operations go early when there are too many (never this one).
  local excess = redis.call('ZCARD', P .. 'finished') - math.max(1, tonumber(max_retained))
  if excess > 0 then
    for _, old in ipairs(redis.call('ZRANGE', P .. 'finished', 0, excess - 1)) do
      if old ~= name then forget(old) end
    end
  end
end

-- Takes an assignment back from its worker ('gone': lost; 'noreport': silent too long):
-- queues the operation again, or fails it after max_attempts. True if `self` may run it.
local function lose(name, now, loss, self, max_attempts, max_retained, grace)
  local op = opkey(name)
  local f = redis.call('HMGET', op, 'attempt', 'stage', 'window')
  local worker = unassign(name)
  if tonumber(f[1]) >= tonumber(max_attempts) then
    local what
    if loss == 'gone' then
      what = ' was lost while running the action'
    else
      what = ' did not report a result in time (the action\'s timeout plus ' .. grace .. ' s of grace, ' ..
             math.floor(tonumber(f[3]) / 1000) .. ' s in all)'
    end
    finish(name, now, '', '14', 'worker ' .. worker .. what .. '; gave up after ' .. f[1] .. ' attempts',
           max_retained)
    return false
  end
  redis.call('HSET', op, 'mworker', '', 'wts', '', 'out', '', 'err', '')
  local mine = queue_push(name, self)
  -- A silent worker is still connected: its stream learns from this update that the
  -- attempt was taken back (whether or not it said it started).
  if f[2] == '2' or loss == 'noreport' then changed(name) end
  return mine
end

local function drop_worker(worker, registration)
  local fe, wh = split(registration)
  redis.call('HDEL', P .. 'workers', worker)
  redis.call('HDEL', P .. 'wslots', worker)
  redis.call('SREM', P .. 'fworkers:' .. fe, worker)
  if redis.call('HINCRBY', P .. 'wcount', wh, -1) <= 0 then redis.call('HDEL', P .. 'wcount', wh) end
end
)lua";

}  // namespace kiln::backplane_scripts
