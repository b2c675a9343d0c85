#!/usr/bin/env bash
# A single kiln node, the same node with its scheduler on a Redis backplane ("solo": what
# the backplane alone costs), and a farm (Redis backplane, storage node, frontends A and B
# with one local worker slot each), on this machine, interleaved: Execute throughput and latency
# through each (kiln bench), and what the farm costs Redis: commands per executed action,
# per cache hit, and per second while idle (from Redis' own INFO commandstats). A
# benchmark, not a test: numbers depend on the machine.
#   bench/scripts/farm_run.sh [KILN_BINARY] [DURATION] [ROUNDS]
set -euo pipefail
kiln=${1:-build/kiln}
duration=${2:-5s}
rounds=${3:-2}
source "$(dirname "$0")/farm_lib.sh"
farm_setup farm
start_redis --appendonly no
# Commands the frontends send Redis, counted by MONITOR (not the calls a Lua script makes
# inside Redis, which MONITOR marks "lua"): monitor_start, run something, monitor_count.
monitor_start() {
  redis-cli -p "$redis_port" monitor > "$dir/monitor.txt" 2>/dev/null &
  monitor_pid=$!
  sleep 0.3
}
monitor_count() {
  kill "$monitor_pid" 2>/dev/null; wait "$monitor_pid" 2>/dev/null || true
  grep -v ' lua\]' "$dir/monitor.txt" | grep -c '^[0-9]' || true
}

serve single --workers 2; single=$port_single
# The backplane alone: a single node's disk, its scheduler on Redis (a namespace of its own).
serve solo --workers 2 --backplane "redis://127.0.0.1:$redis_port" --backplane-namespace solo; solo=$port_solo
serve storage --role storage; storage=$port_storage
farm=(--backplane "redis://127.0.0.1:$redis_port" --cas "grpc://127.0.0.1:$storage" --workers 1)
serve a "${farm[@]}"; a=$port_a
serve b "${farm[@]}"; b=$port_b
echo "single node :$single; single node on the backplane :$solo; farm: redis :$redis_port, storage :$storage, frontends :$a :$b"

ops() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["scenarios"][0]["ops"])' "$1"; }
summary() {
  python3 -c 'import json,sys
s = json.load(open(sys.argv[1]))["scenarios"][0]
print("%-26s %8.1f ops/s  p50 %7.2f ms  p99 %7.2f ms  errors %d" % (s["name"], s["ops_per_s"], s["p50_ms"], s["p99_ms"], s["errors"]))' "$1"
}
for round in $(seq "$rounds"); do
  for which in single solo farm; do
    case $which in single) port=$single ;; solo) port=$solo ;; farm) port=$a ;; esac
    for scenario in execute_uncached execute_uncached_parallel execute_cached execute_cached_parallel; do
      json="$dir/$which-$round-$scenario.json"
      [ "$which" != single ] && monitor_start
      "$kiln" bench --target "127.0.0.1:$port" --scenario "$scenario" --duration "$duration" --json "$json" > /dev/null 2>&1
      [ "$which" != single ] && sent=$(monitor_count)
      line="round $round $(printf '%-6s' "$which") $(summary "$json")"
      if [ "$which" != single ]; then
        n=$(ops "$json")
        line="$line  redis: $(python3 -c "print('%.1f' % ($sent / max(1, $n)))") commands/op"
      fi
      echo "$line"
    done
  done
done
sleep 2  # Let the last operations' events settle.
monitor_start; sleep 10; sent=$(monitor_count)
echo "idle (3 frontends, 4 idle worker slots): $(python3 -c "print('%.2f' % ($sent / 10))") redis commands/s"
