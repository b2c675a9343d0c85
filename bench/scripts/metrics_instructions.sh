#!/usr/bin/env bash
# What kiln's metrics cost a hot RPC, counted in instructions rather than CPU time: two
# servers, identical but for --metrics=false, each under valgrind's callgrind; `kiln bench`
# runs a short and a long window of each scenario against each, and the server's instructions
# per call are the difference between the windows divided by the difference in calls, so that
# start-up and the scenario's setup cancel out; what the server does idle (timers, pollers),
# counted in a window without calls, is taken out of each window by its length. Instruction counts do not drift
# with the load of a shared machine the way CPU time does (metrics_overhead.sh measures that
# too, interleaved). The issue's budget: at most 1% more. A benchmark, not a test.
#   bench/scripts/metrics_instructions.sh [KILN_BINARY] [SCENARIOS]
set -euo pipefail
kiln=${1:-build/kiln}
scenarios=${2:-get_action_result_hit find_missing_present}
command -v callgrind_control > /dev/null || { echo "needs valgrind (apt-get install valgrind)" >&2; exit 2; }
source "$(dirname "$0")/farm_lib.sh"
farm_setup metrics-ir
for which in on off; do
  extra=(); [ "$which" = off ] && extra=(--metrics=false)
  spawn valgrind --tool=callgrind --callgrind-out-file="$dir/$which.callgrind" \
    "$kiln" serve --listen 127.0.0.1:0 --http-listen off --data-dir "$dir/$which" --workers 0 \
    --scrub-bytes-per-second 0 "${extra[@]}" > "$dir/$which.log" 2>&1
  eval "pid_$which=$!"
done
for which in on off; do  # Under valgrind a start takes seconds.
  for _ in $(seq 600); do grep -q "serving on" "$dir/$which.log" 2>/dev/null && break; sleep 0.1; done
  eval "port_$which=$(grep -o 'serving on [^ ]*:[0-9]*' "$dir/$which.log" | grep -o '[0-9]*$' | head -1)"
done
echo "metrics on :$port_on, off :$port_off (each under callgrind)"

quietly() { "$@" > "$dir/bench.out" 2>&1; }

counted() {  # counted WHICH COMMAND...: runs it; prints "instructions seconds" the server spent meanwhile
  local which=$1 pid start; shift
  eval "pid=\$pid_$which"
  rm -f "$dir/$which.callgrind".*
  callgrind_control -z "$pid" > /dev/null 2>&1
  start=$(date +%s.%N)
  "$@"
  callgrind_control -d "$pid" > /dev/null 2>&1
  python3 -c 'import sys; print([l.split()[1] for l in open(sys.argv[1]) if l.startswith("summary:")][0], float(sys.argv[2]) - float(sys.argv[3]))' \
    "$(ls "$dir/$which.callgrind".* | head -1)" "$(date +%s.%N)" "$start"
}

window() {  # window WHICH SCENARIO SECONDS: prints "calls instructions", idle instructions taken out
  local which=$1 scenario=$2 seconds=$3 port json ir elapsed idle_rate
  eval "port=\$port_$which; idle_rate=\$idle_$which"
  json="$dir/$which-$scenario-$seconds.json"
  read -r ir elapsed < <(counted "$which" quietly "$kiln" bench --target "127.0.0.1:$port" --scenario "$scenario" \
    --duration "${seconds}s" --json "$json")
  [ -s "$json" ] || { cat "$dir/bench.out" >&2; return 1; }
  python3 -c 'import json,sys; s=json.load(open(sys.argv[1]))["scenarios"][0]
print(s["ops"], int(float(sys.argv[2]) - float(sys.argv[3]) * float(sys.argv[4])))' "$json" "$ir" "$idle_rate" "$elapsed"
}

for which in on off; do  # What each server does idle, per second.
  read -r ir elapsed < <(counted "$which" sleep 5)
  eval "idle_$which=$(python3 -c "print($ir / $elapsed)")"
  printf '  %-3s idle: %.0f instructions per second\n' "$which" "$(eval "echo \$idle_$which")"
done

for scenario in $scenarios; do
  declare -A per_call=()
  for which in on off; do
    window "$which" "$scenario" 2 > /dev/null  # Warm up.
    read -r short_calls short_ir < <(window "$which" "$scenario" 3)
    read -r long_calls long_ir < <(window "$which" "$scenario" 9)
    per_call[$which]=$(python3 -c "print(($long_ir - $short_ir) / max(1, $long_calls - $short_calls))")
    printf '  %-3s %-24s %7d and %7d calls: %9.0f instructions per call\n' "$which" "$scenario" "$short_calls" \
      "$long_calls" "${per_call[$which]}"
  done
  python3 -c 'import sys
on, off = float(sys.argv[2]), float(sys.argv[3])
print("%-24s server instructions per call: metrics on %.0f, off %.0f: %+.2f%%" % (sys.argv[1], on, off, 100 * (on / off - 1)))' \
    "$scenario" "${per_call[on]}" "${per_call[off]}"
  unset per_call
done
