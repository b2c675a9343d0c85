#!/usr/bin/env bash
# What an idle farm costs Redis, in the shape issue #14 names: 3 frontends on one backplane
# and 10 idle worker slots (kiln worker processes, spread over the frontends). Counts the
# commands each frontend sends (MONITOR, by client address; the calls a Lua script makes
# inside Redis are not commands sent) over a quiet period after everything connected.
#   bench/scripts/farm_idle.sh [KILN_BINARY] [SECONDS]
set -euo pipefail
kiln=${1:-build/kiln}
seconds=${2:-30}
dir=$(mktemp -d /tmp/kiln-idle.XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
redis_port=$(free_port)
mkdir -p "$dir/redis"
redis-server --bind 127.0.0.1 --port "$redis_port" --dir "$dir/redis" --save '' --appendonly no > "$dir/redis.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do redis-cli -p "$redis_port" ping > /dev/null 2>&1 && break; sleep 0.1; done

frontends=()
for name in a b c; do
  "$kiln" serve --listen 127.0.0.1:0 --data-dir "$dir/$name" --workers 0 --scrub-bytes-per-second 0 \
    --backplane "redis://127.0.0.1:$redis_port" > "$dir/$name.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 100); do grep -q "serving on" "$dir/$name.log" 2>/dev/null && break; sleep 0.1; done
  frontends+=("127.0.0.1:$(grep -o 'serving on [^ ]*:[0-9]*' "$dir/$name.log" | grep -o '[0-9]*$' | head -1)")
done
# 10 slots: 4 + 3 + 3, one worker per frontend (each also knows the others, for failover).
all=$(IFS=,; echo "${frontends[*]}")
slots=(4 3 3)
for i in 0 1 2; do
  order="${frontends[$i]},$all"
  order=$(echo "$order" | tr , '\n' | awk '!seen[$0]++' | paste -sd,)
  "$kiln" worker --scheduler "$order" --slots "${slots[$i]}" --work-dir "$dir/worker-$i" > "$dir/worker-$i.log" 2>&1 &
  pids+=($!)
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
