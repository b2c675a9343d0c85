#!/usr/bin/env bash
# The farm's action cache on the storage node against the same cache in Redis
# (kiln serve --action-cache redis), on this machine, interleaved in one run: two frontends
# on one backplane and one storage node, identical but for --action-cache. For each
# ActionCache and cached-Execute scenario of `kiln bench`: throughput, p50/p99, the Redis
# commands and the CPU time of Redis, the storage node and the frontend per operation. Then
# what an entry costs where it is kept: Redis memory, the storage node's disk. A benchmark,
# not a test: numbers depend on the machine.
#   bench/scripts/ac_compare.sh [KILN_BINARY] [DURATION] [ROUNDS]
set -euo pipefail
kiln=${1:-build/kiln}
duration=${2:-5s}
rounds=${3:-2}
source "$(dirname "$0")/farm_lib.sh"
farm_setup ac
# As a farm should run it (README: Farm): the append-only file on, fsynced every second.
start_redis --appendonly yes --appendfsync everysec
rcli() { redis-cli -p "$redis_port" "$@"; }

serve storage --role storage
# A backplane namespace each: the frontend whose worker runs an action stores its result in
# its own action cache, so frontends that share a queue must share the cache too.
farm=(--backplane "redis://127.0.0.1:$redis_port" --cas "grpc://127.0.0.1:$port_storage" --workers 1)
serve viastorage "${farm[@]}" --backplane-namespace acs
serve viaredis "${farm[@]}" --backplane-namespace acr --action-cache redis
echo "redis :$redis_port (appendonly, fsync every second), storage node :$port_storage;" \
     "frontends :$port_viastorage (--action-cache storage) :$port_viaredis (--action-cache redis)"

cpu_ms() {  # cpu_ms PID: user + system CPU time so far, in ms
  python3 -c 'import os,sys; f=open("/proc/%s/stat" % sys.argv[1]).read().rsplit(")",1)[1].split(); print(int((int(f[11])+int(f[12]))*1000/os.sysconf("SC_CLK_TCK")))' "$1"
}
redis_calls() {  # every command Redis ran, but INFO
  rcli info commandstats | python3 -c 'import sys,re
print(sum(int(m.group(2)) for m in re.finditer(r"cmdstat_(\w+(?:\|\w+)?):calls=(\d+)", sys.stdin.read()) if m.group(1) != "info"))'
}

report() {  # report JSON REDIS_CALLS REDIS_MS STORAGE_MS FRONTEND_MS
  python3 -c 'import json,sys
s = json.load(open(sys.argv[1]))["scenarios"][0]
n = max(1, s["ops"])
us = lambda ms: 1000.0 * float(ms) / n
print("%-26s %9.1f ops/s  p50 %6.2f ms  p99 %6.2f ms  err %d | per op: redis %5.2f calls %5.1f us cpu, storage %5.1f us, frontend %5.1f us"
      % (s["name"], s["ops_per_s"], s["p50_ms"], s["p99_ms"], s["errors"], int(sys.argv[2]) / n,
         us(sys.argv[3]), us(sys.argv[4]), us(sys.argv[5])))
if s["errors"]: print("    first error: " + s["first_error"])' "$@"
}

run() {  # run WHICH SCENARIO CONCURRENCY ROUND
  local which=$1 scenario=$2 concurrency=$3 round=$4 port pid
  eval "port=\$port_$which; pid=\$pid_$which"
  local json="$dir/$which-$scenario-$concurrency-$round.json"
  local calls0 r0 s0 f0
  calls0=$(redis_calls); r0=$(cpu_ms "$redis_pid"); s0=$(cpu_ms "$pid_storage"); f0=$(cpu_ms "$pid")
  "$kiln" bench --target "127.0.0.1:$port" --scenario "$scenario" --duration "$duration" --concurrency "$concurrency" \
    --json "$json" > "$dir/bench.out" 2>&1 || { cat "$dir/bench.out"; return 1; }
  local calls1 r1 s1 f1
  calls1=$(redis_calls); r1=$(cpu_ms "$redis_pid"); s1=$(cpu_ms "$pid_storage"); f1=$(cpu_ms "$pid")
  printf 'round %s %-8s c=%-3s ' "$round" "${which#via}" "$concurrency"
  # The scenario's setup commands are counted too: a handful against thousands.
  report "$json" $((calls1 - calls0)) $((r1 - r0)) $((s1 - s0)) $((f1 - f0))
}

for round in $(seq "$rounds"); do
  for spec in get_action_result_hit:64 get_action_result_outputs:64 get_action_result_outputs:1 \
              update_action_result:64 update_action_result:1 execute_cached:1 execute_cached_parallel:64; do
    for which in viastorage viaredis; do
      run "$which" "${spec%:*}" "${spec#*:}" "$round"
    done
  done
done

# What an entry costs where it is kept, from a fresh batch of update_action_result entries
# (results naming 10 output files and stdout, as in the scenarios above).
keys() { rcli --scan --pattern 'kiln:acr:ac:*' | wc -l; }
mem0=$(rcli info memory | grep '^used_memory:' | tr -dc 0-9); keys0=$(keys)
"$kiln" bench --target "127.0.0.1:$port_viaredis" --scenario update_action_result --duration 2s \
  --concurrency 16 > /dev/null 2>&1
mem1=$(rcli info memory | grep '^used_memory:' | tr -dc 0-9); keys1=$(keys)
sample=$(rcli --scan --pattern 'kiln:acr:ac:*' | awk 'NR == 1')
echo "redis: $((keys1 - keys0)) new entries, used_memory +$(( (mem1 - mem0) / (keys1 - keys0) )) bytes per entry" \
     "(one entry: value $(rcli strlen "$sample") bytes, MEMORY USAGE $(rcli memory usage "$sample") bytes)"
ac_files() { find "$dir/storage/ac" -type f | wc -l; }
disk0=$(du -sb "$dir/storage/ac" | cut -f1); blocks0=$(du -s --block-size=1 "$dir/storage/ac" | cut -f1)
files0=$(ac_files)
"$kiln" bench --target "127.0.0.1:$port_viastorage" --scenario update_action_result --duration 2s \
  --concurrency 16 > /dev/null 2>&1
disk1=$(du -sb "$dir/storage/ac" | cut -f1); blocks1=$(du -s --block-size=1 "$dir/storage/ac" | cut -f1)
files1=$(ac_files)
echo "storage node: $((files1 - files0)) new record files, +$(( (disk1 - disk0) / (files1 - files0) )) bytes per entry" \
     "(+$(( (blocks1 - blocks0) / (files1 - files0) )) bytes of disk blocks)"
