#!/usr/bin/env bash
# The real Bazel client (Debian's bazel-bootstrap 4.2.3) builds through a farm whose CAS is the
# backplane's storage ring -- Redis, three storage nodes, frontends A and B (R=2) and a worker
# on each -- while one storage node is killed with kill -9 in the middle of the build: the
# build must succeed with every action run once and every call answered OK, and after
# `bazel clean` every action must be a remote cache hit, through A and, from another checkout
# (its own Bazel server and output base), through B. The
# workspace is generated: 171 actions (genrules in three layers, some of whose outputs are
# over 1 MiB, then C++ compiles of generated sources, archives and a link), so that outputs of
# actions run before the kill are inputs of actions run after it.
# Usage: storage_ring_farm_test.sh PATH_TO_KILN
# KILN_KILLED_NODE=1..3 picks the node to kill, KILN_KILL_AFTER=N the number of actions run
# before it dies (defaults: at random, printed: node 1-3, N 10-100 so that most of the build
# runs after it);
# KILN_KEEP_LOGS=DIR keeps there the servers' logs and access logs (one line per call), their
# metrics and the farm's operations (kiln admin operations list --json) after the first
# build, and Bazel's output and profile (chrome://tracing) of it.
source "$(dirname "$0")/lib.sh"
[ -d "$MOCK_REPOS/rules_cc" ] || fail "$MOCK_REPOS is missing (dev.sh test installs bazel-bootstrap-source)"
command -v redis-server >/dev/null || fail "redis-server is not installed (dev.sh test installs it)"
kiln=$1
farm_pids=()
bazel_pid=""
# The second workspace (a copy of the first, built through B) has its own Bazel server; both
# are shut down at once.
client_cleanup() {
  local pids=()
  for ws in "$work/ws" "$work/ws-b"; do
    (cd "$ws" 2>/dev/null && timeout 60 bazel "${bazel_startup[@]}" shutdown >/dev/null 2>&1) &
    pids+=($!)
  done
  wait "${pids[@]}" || true
}
farm_cleanup() {
  # A build still running (the script failed or was killed while waiting for it): interrupt
  # its client (timeout passes the signal on), which cancels the command as ^C does, so that
  # its server is idle when it is shut down, before the kiln servers go away.
  if [ -n "$bazel_pid" ]; then kill -INT "$bazel_pid" 2>/dev/null || true; wait "$bazel_pid" 2>/dev/null || true; fi
  for pid in "${farm_pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${farm_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ -n "${KILN_KEEP_LOGS:-}" ]; then
    mkdir -p "$KILN_KEEP_LOGS" && cp "$work"/*.log "$work"/*.out "$work"/*.json "$KILN_KEEP_LOGS"/ 2>/dev/null || true
  fi
  cleanup
}
trap farm_cleanup EXIT
# An idle Bazel server left behind by a killed run goes away by itself.
bazel_startup+=(--max_idle_secs=300)

# serve NAME FLAGS...: starts a kiln serve of the farm in this shell (a command substitution
# would record its pid in a subshell, and the cleanup would leave it running); its ports are
# then in $served_port and $served_http_port, its pid in $served_pid.
serve() {
  local name=$1; shift
  : > "$work/$name.log"
  "$kiln" serve --listen 127.0.0.1:0 --http-listen 127.0.0.1:0 --data-dir "$work/$name" "$@" >> "$work/$name.log" 2>&1 &
  served_pid=$!
  farm_pids+=("$served_pid")
  served_port=""
  for _ in $(seq 1 100); do
    served_port=$(sed -n 's/^kiln: serving on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$work/$name.log")
    served_http_port=$(sed -n 's/^kiln: serving on .*HTTP on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$work/$name.log")
    [ -n "$served_port" ] && [ -n "$served_http_port" ] && return 0
    sleep 0.2
  done
  cat "$work/$name.log" >&2
  fail "kiln serve ($name) did not start"
}

# dump_logs: the farm's logs' last lines, for a failure.
dump_logs() {
  for log in "$work"/*.log; do echo "--- $log"; tail -25 "$log"; done
}

farm_started=$(date +%s.%N)
redis_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$work/redis"
redis-server --bind 127.0.0.1 --port "$redis_port" --dir "$work/redis" --save '' --appendonly no \
  > "$work/redis.log" 2>&1 &
farm_pids+=($!)
for _ in $(seq 1 100); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done
backplane="redis://127.0.0.1:$redis_port"

node_pids=()
node_ports=()
http_ports=()
for n in 1 2 3; do
  serve "node-$n" --role storage --backplane "$backplane"
  node_pids+=("$served_pid")
  node_ports+=("$served_port")
  http_ports+=("node-$n:$served_http_port")
done
serve a --backplane "$backplane" --replication 2 --workers 0 --access-log "$work/a-access.log"
a=$served_port; a_http=$served_http_port
serve b --backplane "$backplane" --replication 2 --workers 0 --access-log "$work/b-access.log"
b=$served_port; b_http=$served_http_port
http_ports+=("a:$a_http" "b:$b_http")

# The frontends read the ring every 2 s: wait until both place blobs on all three nodes, so
# that no write is refused for want of a second replica.
for name in a b; do
  for _ in $(seq 1 100); do grep -q "the CAS is now on 3 storage node" "$work/$name.log" && break; sleep 0.1; done
  grep -q "the CAS is now on 3 storage node" "$work/$name.log" || { cat "$work/$name.log"; fail "frontend $name does not use three nodes"; }
done

n=0
for frontend in "$a" "$b"; do
  n=$((n + 1))
  "$kiln" worker --scheduler "127.0.0.1:$frontend" --work-dir "$work/worker-$n" --slots 2 \
    --worker-id "ring-worker-$n" > "$work/worker-$n.log" 2>&1 &
  farm_pids+=($!)
done
for n in 1 2; do
  for _ in $(seq 1 100); do grep -q "connected to" "$work/worker-$n.log" && break; sleep 0.1; done
  grep -q "connected to" "$work/worker-$n.log" || { cat "$work/worker-$n.log"; fail "worker $n did not connect"; }
done

# The workspace: layer a (48 genrules, every eighth output 1.3 MB, each sleeping a little so
# that the build lasts), layer b (48, each hashing two of a's), layer c (24 generated C++
# sources, each from two of b's), a cc_library per source and a binary linking them all,
# whose output a last genrule checks (a source, not a tool: a tool would be built again in
# the exec configuration).
mkdir -p "$work/ws"
ws="$work/ws"
cp "$(dirname "$0")/exec_workspace/WORKSPACE" "$ws/WORKSPACE"
{
  echo "# Generated by storage_ring_farm_test.sh."
  for i in $(seq 0 47); do
    if [ $((i % 8)) = 0 ]; then body="seq 1 120000 | sed s/^/a_$i./"; else body="seq $i 7 $((i * 50 + 400))"; fi
    echo "genrule(name = \"a_$i\", outs = [\"a_$i.txt\"], cmd = \"sleep 0.2; ($body) > \$@\")"
  done
  for i in $(seq 0 47); do
    echo "genrule(name = \"b_$i\", srcs = [\":a_$i\", \":a_$(((i + 7) % 48))\"], outs = [\"b_$i.txt\"]," \
         "cmd = \"cat \$(SRCS) | sha256sum > \$@; cat \$(SRCS) | wc -c >> \$@\")"
  done
  for i in $(seq 0 23); do
    echo "genrule(name = \"c_$i\", srcs = [\":b_$((2 * i))\", \":b_$((2 * i + 1))\"], outs = [\"c_$i.cc\"]," \
         "cmd = \"echo 'int c_$i() { return ' \$\$(cat \$(SRCS) | wc -l) '; }' > \$@\")"
    echo "cc_library(name = \"lib_$i\", srcs = [\":c_$i\"], linkstatic = True)"
  done
  echo "cc_binary(name = \"all\", srcs = [\"main.cc\"], deps = [$(for i in $(seq 0 23); do printf '":lib_%s", ' "$i"; done)])"
  echo "genrule(name = \"check\", srcs = [\":all\"], outs = [\"check.txt\"], cmd = \"\$(location :all) > \$@\")"
} > "$ws/BUILD"
{
  for i in $(seq 0 23); do echo "int c_$i();"; done
  echo "#include <cstdio>"
  echo "int main() { int sum = 0;"
  for i in $(seq 0 23); do echo "  sum += c_$i();"; done
  echo "  std::printf(\"sum %d\\n\", sum); }"
} > "$ws/main.cc"

# start_bazel OUT DIR ARGS...: bazel ARGS in workspace DIR in the background, its output in
# OUT, its pid in $bazel_pid; finish_bazel waits for it. Waiting in `wait`, rather than for a
# command substitution, lets a signal end the script (and the build) at once.
start_bazel() {
  local out=$1 dir=$2; shift 2
  (cd "$dir" && exec timeout 600 bazel "${bazel_startup[@]}" "$@") > "$out" 2>&1 &
  bazel_pid=$!
}
finish_bazel() {
  local status=0
  wait "$bazel_pid" || status=$?
  bazel_pid=""
  return "$status"
}

overrides=$(offline_overrides)  # Here: it finds the stub relative to the current directory.
flags_through() { echo --remote_executor="grpc://127.0.0.1:$1" --jobs=8 $overrides; }

# executed: actions the workers reported finished, through both frontends.
executed() {
  for http in "$a_http" "$b_http"; do curl -s "http://127.0.0.1:$http/metrics" || true; done |
    awk '/^kiln_actions_executed_total/ { sum += $NF } END { print sum + 0 }'
}

# seconds FROM TO: the time between two `date +%s.%N`.
seconds() { awk -v from="$1" -v to="$2" 'BEGIN { printf "%.1f", to - from }'; }

echo "the farm was up in $(seconds "$farm_started" "$(date +%s.%N)") s"
victim=${KILN_KILLED_NODE:-$((RANDOM % 3 + 1))}
kill_after=${KILN_KILL_AFTER:-$((RANDOM % 91 + 10))}
started=$(date +%s.%N)
start_bazel "$work/first.out" "$ws" build $(flags_through "$a") --noshow_progress --profile="$work/first-profile.json" //...
# Kill the node once some actions have run remotely: about two thirds of their outputs have a
# copy on it, which later actions read as inputs (and Bazel downloads) from the other replica,
# and later outputs whose owner it is are written around it, before and after the frontends
# see it down (its liveness lapses within 20 s).
killed_after=""
for _ in $(seq 1 1200); do
  done_count=$(executed)
  if [ "$done_count" -ge "$kill_after" ]; then
    { kill -9 "${node_pids[$((victim - 1))]}" && wait "${node_pids[$((victim - 1))]}"; } 2>/dev/null || true
    killed_after=$done_count
    break
  fi
  kill -0 "$bazel_pid" 2>/dev/null || break
  sleep 0.1
done
killed_at=$(date +%s.%N)
status=0; finish_bazel || status=$?
finished=$(date +%s.%N)
first=$(cat "$work/first.out")
# Every server's metrics after the build, for KILN_KEEP_LOGS.
for entry in "${http_ports[@]}"; do curl -s "http://127.0.0.1:${entry#*:}/metrics" > "$work/metrics-${entry%%:*}.out" || true; done
if [ -n "${KILN_KEEP_LOGS:-}" ]; then
  "$kiln" admin --server "127.0.0.1:$a" --json --limit 1000 operations list > "$work/operations.json" 2>&1 || true
fi
[ "$status" = 0 ] || { echo "$first"; dump_logs; fail "the build through A failed (node $victim killed after $killed_after actions)"; }
[ -n "$killed_after" ] || { echo "$first"; fail "the build ended before node $victim could be killed"; }
summary=$(processes_line "$first")
total=$(executed)
echo "through frontend A: $summary"
echo "node $victim killed after $killed_after of $total executed actions," \
  "$(seconds "$started" "$killed_at") s into a $(seconds "$started" "$finished") s build" \
  "(to repeat: KILN_KILLED_NODE=$victim KILN_KILL_AFTER=$kill_after)"
grep -qE "[0-9]+ remote[,.]" <<< "$summary" || { echo "$first"; fail "no action ran remotely"; }
grep -qE "linux-sandbox|processwrapper-sandbox|[0-9]+ local" <<< "$summary" && fail "some actions ran locally"
# no_failed_calls WHEN: the node's death may cost time but no error: the frontends answered
# every call OK, Bazel's and the workers' (a cache miss's NOT_FOUND aside). Bazel would retry
# some failures and hide them.
no_failed_calls() {
  local failed
  failed=$(for http in "$a_http" "$b_http"; do curl -s "http://127.0.0.1:$http/metrics" || true; done |
    awk '/^kiln_grpc_server_handled_total/ && !/grpc_code="OK"/ && !/GetActionResult.*NOT_FOUND/ && $NF > 0' || true)
  [ -z "$failed" ] || { echo "$failed"; dump_logs; fail "the frontends failed calls $1 (node $victim dead)"; }
}
# Every action ran once, and succeeded: the node's death is hidden from the workers (their
# reads and writes go to the other copy, or through the frontend), so no run failed or was
# taken back. A failed run counts among the executions too, and Bazel executes again (a new
# Execute) after one that ended UNAVAILABLE, CANCELLED, ...: once a frontend's stale read of
# an operation cancelled its worker's run that way (redis_scheduler_stale_read_test.cc).
remote=$(grep -oE "[0-9]+ remote[,.]" <<< "$summary" | grep -oE "^[0-9]+")
outcomes=$(for http in "$a_http" "$b_http"; do curl -s "http://127.0.0.1:$http/metrics" || true; done |
  awk '/^kiln_actions_executed_total/ && $NF > 0 { sum[$1] += $NF } END { for (o in sum) print o, sum[o] }')
if [ "$total" != "$remote" ] || grep -v 'outcome="success"' <<< "$outcomes" | grep -q .; then
  echo "$outcomes"
  echo "Execute calls: $(cat "$work"/a-access.log "$work"/b-access.log | grep -c 'Execution/Execute ')"
  dump_logs
  fail "the farm executed $total actions for Bazel's $remote remote ones (node $victim killed after $killed_after)"
fi
no_failed_calls "during the build"
[ "$(cat "$ws/bazel-bin/check.txt")" = "sum $(cat "$ws"/bazel-bin/b_*.txt | wc -l)" ] ||
  fail "the binary built on the farm printed $(cat "$ws/bazel-bin/check.txt")"

# all_cache_hits LABEL OUTPUT: every action of OUTPUT's build was a remote cache hit.
all_cache_hits() {
  local summary
  summary=$(processes_line "$2")
  echo "$1: $summary"
  grep -qE "[0-9]+ remote cache hit" <<< "$summary" || { echo "$2"; fail "no remote cache hits $1"; }
  grep -qE " remote[,.]|linux-sandbox|processwrapper-sandbox|[0-9]+ local" <<< "$summary" &&
    { echo "$2"; fail "not everything was a cache hit $1"; }
  return 0
}
start_bazel "$work/clean.out" "$ws" clean
finish_bazel || { cat "$work/clean.out"; fail "bazel clean"; }
start_bazel "$work/second.out" "$ws" build $(flags_through "$a") --noshow_progress //...
finish_bazel || { cat "$work/second.out"; dump_logs; fail "the build through A after bazel clean"; }
second=$(cat "$work/second.out")
all_cache_hits "after bazel clean, through frontend A" "$second"
# Another checkout of the same sources, another Bazel server and output base, through B: its
# server starts and analyses the build (--nobuild) while the farm has yet to see the node down.
mkdir "$work/ws-b"
cp "$ws/WORKSPACE" "$ws/BUILD" "$ws/main.cc" "$work/ws-b/"
start_bazel "$work/warm-up.out" "$work/ws-b" build $(flags_through "$b") --nobuild //...
# The first two builds ran while the frontends still took the dead node for alive (its
# liveness lapses within 20 s; on a loaded machine the first outlasts that): the third runs
# once they know it is down.
victim_name="grpc://127.0.0.1:${node_ports[$((victim - 1))]}"
for _ in $(seq 1 300); do
  "$kiln" admin --server "127.0.0.1:$a" storage status 2>/dev/null | grep -q "^$victim_name .* down " && break
  sleep 0.1
done
"$kiln" admin --server "127.0.0.1:$a" storage status 2>/dev/null | grep -q "^$victim_name .* down " ||
  fail "the farm does not see node $victim down"
echo "node $victim seen down $(seconds "$killed_at" "$(date +%s.%N)") s after it was killed"
finish_bazel || { cat "$work/warm-up.out"; fail "bazel could not analyse the build in the second checkout"; }
start_bazel "$work/third.out" "$work/ws-b" build $(flags_through "$b") --noshow_progress //...
finish_bazel || { cat "$work/third.out"; dump_logs; fail "the build through B"; }
third=$(cat "$work/third.out")
all_cache_hits "from another checkout, through frontend B" "$third"
no_failed_calls "in the builds from the cache"
# What the ring looks like now (the dead node is "down" once its liveness lapsed).
"$kiln" admin --server "127.0.0.1:$a" storage status 2>&1 | grep -v "^repair" || true
echo "PASS in $(seconds "$started" "$(date +%s.%N)") s: the build survived the loss of storage node $victim," \
  "and then every action was a cache hit"
