#!/usr/bin/env bash
# What an idle farm costs Redis, in the shape issue #14 names: 3 frontends on one backplane
# and 10 idle worker slots (kiln worker processes, spread over the frontends). Counts the
# commands each frontend sends (MONITOR, by client address; the calls a Lua script makes
# inside Redis are not commands sent) over a quiet period after everything connected.
#   bench/scripts/farm_idle.sh [KILN_BINARY] [SECONDS]
set -euo pipefail
kiln=${1:-build/kiln}
seconds=${2:-30}
source "$(dirname "$0")/farm_lib.sh"
farm_setup idle
start_redis --appendonly no

frontends=()
for name in a b c; do
  serve "$name" --workers 0 --backplane "redis://127.0.0.1:$redis_port"
  port="port_$name"
  frontends+=("127.0.0.1:${!port}")
done
# 10 slots: 4 + 3 + 3, one worker per frontend (each also knows the others, for failover).
all=$(IFS=,; echo "${frontends[*]}")
slots=(4 3 3)
for i in 0 1 2; do
  order="${frontends[$i]},$all"
  order=$(echo "$order" | tr , '\n' | awk '!seen[$0]++' | paste -sd,)
  spawn "$kiln" worker --scheduler "$order" --slots "${slots[$i]}" --work-dir "$dir/worker-$i" > "$dir/worker-$i.log" 2>&1
done
sleep 5  # Connected, registered, requests parked.

redis-cli -p "$redis_port" monitor > "$dir/monitor.txt" 2>/dev/null &
monitor=$!
sleep "$seconds"
kill "$monitor" 2>/dev/null; wait "$monitor" 2>/dev/null || true
sent=$(grep -v ' lua\]' "$dir/monitor.txt" | grep '^[0-9]' || true)
total=$(printf '%s\n' "$sent" | grep -c . || true)
echo "idle farm, 3 frontends, 10 worker slots, ${seconds}s: $total commands, $(python3 -c "print('%.2f' % ($total / $seconds))")/s in all"
printf '%s\n' "$sent" | grep -o '\[0 [0-9.:]*\]' | sort | uniq -c |
  while read -r count client; do
    echo "  from $client: $(python3 -c "print('%.2f' % ($count / $seconds))")/s"
  done
printf '%s\n' "$sent" | awk '{print toupper($4)}' | tr -d '"' | sort | uniq -c | sed 's/^/  /'
