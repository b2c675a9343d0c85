#!/usr/bin/env bash
# What kiln's metrics cost a hot RPC: two servers, identical but for --metrics=false, on
# this machine; `kiln bench` runs each hot scenario against one, then the other, round after
# round (interleaved, so that drift in the machine's load hits both alike), and reports the
# server's CPU time per call from /proc/PID/stat. The issue's budget: at most 1% more.
# A benchmark, not a test: numbers depend on the machine.
#   bench/scripts/metrics_overhead.sh [KILN_BINARY] [DURATION] [ROUNDS] [SCENARIOS]
set -euo pipefail
kiln=${1:-build/kiln}
duration=${2:-5s}
rounds=${3:-4}
scenarios=${4:-find_missing_present get_action_result_hit}
source "$(dirname "$0")/farm_lib.sh"
farm_setup metrics
serve on
serve off --metrics=false
echo "metrics on :$port_on, off :$port_off; $rounds rounds of $duration per scenario and server"

cpu_ms() {  # cpu_ms PID: user + system CPU time so far, in ms
  python3 -c 'import os,sys; f=open("/proc/%s/stat" % sys.argv[1]).read().rsplit(")",1)[1].split(); print(int((int(f[11])+int(f[12]))*1000/os.sysconf("SC_CLK_TCK")))' "$1"
}

run() {  # run WHICH SCENARIO ROUND: prints "ops cpu_ms"
  local which=$1 scenario=$2 round=$3 port pid json c0 c1
  eval "port=\$port_$which; pid=\$pid_$which"
  json="$dir/$which-$scenario-$round.json"
  c0=$(cpu_ms "$pid")
  "$kiln" bench --target "127.0.0.1:$port" --scenario "$scenario" --duration "$duration" --json "$json" \
    > "$dir/bench.out" 2>&1 || { cat "$dir/bench.out" >&2; return 1; }
  c1=$(cpu_ms "$pid")
  python3 -c 'import json,sys; s=json.load(open(sys.argv[1]))["scenarios"][0]; print(s["ops"], int(sys.argv[2]))' \
    "$json" $((c1 - c0))
}

for scenario in $scenarios; do
  declare -A ops=([on]=0 [off]=0) ms=([on]=0 [off]=0)
  for round in $(seq "$rounds"); do
    # Alternate which goes first, so that neither always runs on a warmer machine.
    order="on off"; [ $((round % 2)) -eq 0 ] && order="off on"
    for which in $order; do
      read -r n t < <(run "$which" "$scenario" "$round")
      ops[$which]=$((ops[$which] + n)); ms[$which]=$((ms[$which] + t))
      printf '  round %s %-3s %-24s %9d calls %7d ms cpu  %6.2f us/call\n' "$round" "$which" "$scenario" "$n" "$t" \
        "$(python3 -c "print(1000.0 * $t / max(1, $n))")"
    done
  done
  python3 -c 'import sys
on_ops, on_ms, off_ops, off_ms = map(int, sys.argv[2:6])
on, off = 1000.0 * on_ms / on_ops, 1000.0 * off_ms / off_ops
print("%-24s server CPU per call: metrics on %.2f us, off %.2f us: %+.1f%%" % (sys.argv[1], on, off, 100 * (on / off - 1)))' \
    "$scenario" "${ops[on]}" "${ms[on]}" "${ops[off]}" "${ms[off]}"
  unset ops ms
done
