#!/usr/bin/env bash
# What the storage ring costs per request: a single `kiln serve` ("single"), a frontend with
# its CAS on one storage node (`--cas`: "onenode", the farm the ring replaces), and a farm of
# Redis, 3 storage nodes joined to the backplane's ring and a frontend following it with
# --replication 2 ("ring"), all on loopback; `kiln bench` runs each scenario against each,
# round after round (interleaved, the order alternating, so that drift in the
# machine's load hits both alike). Per scenario and setup: requests/s, and server CPU per
# request over the scenario's measured window (after its setup), summed over every server
# process (the ring: frontend and nodes; Redis apart), from /proc/PID/stat. For writes, the
# bytes the nodes stored per byte clients wrote (their kiln_cas_written_bytes_total on
# /metrics): R when every byte goes to R nodes and nowhere else.
# With COMPARE_NO_RECORD=1, a second frontend on the same ring with --ring-presence-ttl 0
# ("norec": FindMissing always asks the nodes) runs in the same rounds.
# The *_cold scenarios read blobs never read before, so a frontend must fetch them from its
# node(s); the others repeat one request, which a frontend answers from its read cache.
# A benchmark, not a test: numbers depend on the machine.
#   bench/scripts/ring_vs_single.sh [KILN_BINARY] [DURATION] [ROUNDS] [SCENARIOS]
# e.g. /work/notes/quiet.sh bench/scripts/ring_vs_single.sh build/kiln 4s 3
set -euo pipefail
kiln=$(realpath "${1:-build/kiln}")
duration=${2:-4s}
rounds=${3:-3}
scenarios=${4:-find_missing_present find_missing_missing batch_read batch_read_cold bytestream_read bytestream_read_cold bytestream_write}
source "$(dirname "$0")/farm_lib.sh"
farm_setup ring-vs-single
start_redis --appendonly no
http_port() { grep -o 'HTTP on [^ ]*:[0-9]*' "$dir/$1.log" | grep -o '[0-9]*$' | head -1; }

serve single --workers 0
serve solo --role storage
serve onenode --cas "grpc://127.0.0.1:$port_solo" --workers 0
for i in 1 2 3; do serve "node$i" --role storage --backplane "redis://127.0.0.1:$redis_port"; done
serve frontend --backplane "redis://127.0.0.1:$redis_port" --replication 2 --workers 0
for _ in $(seq 100); do grep -q "on 3 storage node" "$dir/frontend.log" && break; sleep 0.1; done
grep -q "on 3 storage node" "$dir/frontend.log" || { echo "the frontend did not see 3 storage nodes" >&2; exit 1; }
ring_pids="$pid_frontend $pid_node1 $pid_node2 $pid_node3"
setups="single onenode ring"
if [ "${COMPARE_NO_RECORD:-0}" = 1 ]; then
  serve norec --backplane "redis://127.0.0.1:$redis_port" --replication 2 --workers 0 --ring-presence-ttl 0
  for _ in $(seq 100); do grep -q "on 3 storage node" "$dir/norec.log" && break; sleep 0.1; done
  norec_pids="$pid_norec $pid_node1 $pid_node2 $pid_node3"
  setups="single onenode ring norec"
fi
node_http="$(http_port node1) $(http_port node2) $(http_port node3)"
echo "single :$port_single; onenode :$port_onenode over node :$port_solo; ring: redis :$redis_port, nodes :$port_node1 :$port_node2 :$port_node3," \
  "frontend :$port_frontend (R=2); $rounds rounds of $duration per scenario and setup"

# Samples the CPU time (ms) of the server processes and of Redis every 20 ms into $1, until
# killed: "monotonic_s servers_ms redis_ms" lines.
sample_cpu() {
  exec python3 - "$@" << 'EOF'
import os, sys, time
out, redis, servers = sys.argv[1], sys.argv[2], sys.argv[3:]
tick = os.sysconf("SC_CLK_TCK")
def cpu(pid):
    f = open("/proc/%s/stat" % pid).read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) * 1000 / tick
with open(out, "w", buffering=1) as f:
    while True:
        f.write("%.3f %.0f %.0f\n" % (time.monotonic(), sum(cpu(p) for p in servers), cpu(redis)))
        time.sleep(0.02)
EOF
}
# The sum of a counter over the HTTP ports given.
written_bytes() {
  local total=0 port
  for port in "$@"; do
    total=$(( total + $(curl -s "http://127.0.0.1:$port/metrics" |
      awk '/^kiln_cas_written_bytes_total/ {s += $2} END {printf "%.0f", s}') ))
  done
  echo "$total"
}

# run WHICH SCENARIO ROUND: one bench run; prints "ops elapsed_s server_ms redis_ms stored/written"
run() {
  local which=$1 scenario=$2 round=$3 port procs http json samples end w0 w1 n0 n1 stores=$node_http
  case $which in
    single) port=$port_single; procs=$pid_single; http=$(http_port single) ;;
    onenode) port=$port_onenode; procs="$pid_onenode $pid_solo"; http=$(http_port onenode); stores=$(http_port solo) ;;
    ring) port=$port_frontend; procs=$ring_pids; http=$(http_port frontend) ;;
    norec) port=$port_norec; procs=$norec_pids; http=$(http_port norec) ;;
  esac
  json="$dir/$which-$scenario-$round.json"
  samples="$dir/cpu-$which-$scenario-$round.txt"
  sample_cpu "$samples" "$redis_pid" $procs &
  local sampler=$!
  until [ -s "$samples" ]; do sleep 0.01; done  # Its first sample comes before the bench's.
  w0=$(written_bytes "$http"); n0=$(written_bytes $stores)
  "$kiln" bench --target "127.0.0.1:$port" --scenario "$scenario" --duration "$duration" --json "$json" \
    > "$dir/bench.out" 2>&1 || { cat "$dir/bench.out" >&2; kill "$sampler"; return 1; }
  end=$(python3 -c 'import time; print("%.3f" % time.monotonic())')
  sleep 0.05
  kill "$sampler"; wait "$sampler" 2>/dev/null || true
  w1=$(written_bytes "$http"); n1=$(written_bytes $stores)
  # The measured window is the scenario's elapsed time, ending when bench exits (it only
  # writes its report after): setup uploads are left out.
  python3 - "$json" "$samples" "$end" $((w1 - w0)) $((n1 - n0)) "$which" << 'EOF'
import json, sys
s = json.load(open(sys.argv[1]))["scenarios"][0]
if s["setup_error"] or s["first_error"]:
    sys.exit("%s: %s" % (s["name"], s["setup_error"] or s["first_error"]))
end, written, stored, which = float(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), sys.argv[6]
rows = [tuple(map(float, line.split())) for line in open(sys.argv[2]) if line.count(" ") == 2]
def at(t):  # the last sample at or before t
    before = [r for r in rows if r[0] <= t]
    return before[-1] if before else rows[0]
a, b = at(end - s["elapsed_s"]), at(end)
# Only a scenario that writes in its measured window (its setup's uploads are counted too).
writes = "write" in s["name"] or "update" in s["name"]
ratio = "%.2f" % (stored / written) if which != "single" and writes and written > 0 else "-"
if b[1] <= a[1]:  # Seen once under load: no sample moved within the window. Left out.
    print(0, 0, 0, 0, ratio)
else:
    print(s["ops"], s["elapsed_s"], b[1] - a[1], b[2] - a[2], ratio)
EOF
}

declare -A ops secs server_ms redis_ms ratios
for round in $(seq "$rounds"); do
  # Alternate the order, so that no setup always runs on a warmer machine.
  order=$setups; [ $((round % 2)) -eq 0 ] && order=$(echo "$setups" | tr ' ' '\n' | tac | tr '\n' ' ')
  for scenario in $scenarios; do
    for which in $order; do
      read -r n t c r q < <(run "$which" "$scenario" "$round")
      if [ "$n" = 0 ]; then
        echo "  round $round $which $scenario: no CPU sample within the measured window; left out"
        continue
      fi
      key="$which/$scenario"
      ops[$key]=$(( ${ops[$key]:-0} + n ))
      secs[$key]=$(python3 -c "print(${secs[$key]:-0} + $t)")
      server_ms[$key]=$(( ${server_ms[$key]:-0} + ${c%.*} ))
      redis_ms[$key]=$(( ${redis_ms[$key]:-0} + ${r%.*} ))
      [ "$q" != - ] && ratios[$which/$scenario]="${ratios[$which/$scenario]:-}$q "
      printf '  round %s %-7s %-22s %7d req %7.1f req/s %8.3f ms server CPU/req\n' "$round" "$which" "$scenario" \
        "$n" "$(python3 -c "print($n / $t)")" "$(python3 -c "print($c / max(1, $n))")"
    done
  done
done

echo
printf '%-22s %-7s %10s %14s %10s %11s %14s %s\n' scenario setup "req/s" "server CPU/req" "vs single" "vs onenode" \
  "Redis CPU/req" "stored/written"
for scenario in $scenarios; do
  for which in $setups; do
    python3 - "$scenario" "$which" "${ops[single/$scenario]}" "${server_ms[single/$scenario]}" \
      "${ops[onenode/$scenario]}" "${server_ms[onenode/$scenario]}" \
      "${ops[$which/$scenario]}" "${secs[$which/$scenario]}" "${server_ms[$which/$scenario]}" \
      "${redis_ms[$which/$scenario]}" "${ratios[$which/$scenario]:-}" << 'EOF'
import sys
name, which = sys.argv[1], sys.argv[2]
so, sc, oo, oc, ro, rt, rc, rr = map(float, sys.argv[3:11])
ratios = sys.argv[11].split()
print("%-22s %-7s %10.1f %11.3f ms %9.2fx %10.2fx %11.3f ms %s" % (
    name, which, ro / rt, rc / ro, (rc / ro) / (sc / so), (rc / ro) / (oc / oo), rr / ro,
    (min(ratios) + "-" + max(ratios)) if ratios else ""))
EOF
  done
done
