#!/usr/bin/env bash
# The real Bazel client (Debian's bazel-bootstrap 4.2.3) against a farm of real processes: a
# Redis backplane, a storage node, frontends A and B sharing both, and two `kiln worker`s that
# may connect to either. Every action of the workspace runs remotely through A; after
# `bazel clean`, the same build and tests through B are served entirely from the cache.
# Usage: farm_test.sh PATH_TO_KILN
source "$(dirname "$0")/lib.sh"
[ -d "$MOCK_REPOS/rules_cc" ] || fail "$MOCK_REPOS is missing (dev.sh test installs bazel-bootstrap-source)"
command -v redis-server >/dev/null || fail "redis-server is not installed (dev.sh test installs it)"
kiln=$1
farm_pids=()
farm_cleanup() {
  for pid in "${farm_pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${farm_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  cleanup
}
trap farm_cleanup EXIT

# serve NAME FLAGS...: starts a kiln serve of the farm, in this shell (a command substitution
# would record its pid in a subshell, and the cleanup would leave it running); its port is
# then in $served_port.
serve() {
  local name=$1; shift
  : > "$work/$name.log"
  "$kiln" serve --listen 127.0.0.1:0 --http-listen 127.0.0.1:0 --data-dir "$work/$name" "$@" >> "$work/$name.log" 2>&1 &
  farm_pids+=($!)
  served_port=""
  for _ in $(seq 1 100); do
    served_port=$(sed -n 's/^kiln: serving on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$work/$name.log")
    [ -n "$served_port" ] && return 0
    sleep 0.2
  done
  cat "$work/$name.log" >&2
  fail "kiln serve ($name) did not start"
}

redis_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$work/redis"
redis-server --bind 127.0.0.1 --port "$redis_port" --dir "$work/redis" --save '' --appendonly yes \
  > "$work/redis.log" 2>&1 &
farm_pids+=($!)
for _ in $(seq 1 100); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done

serve storage --role storage; storage=$served_port
farm=(--backplane "redis://127.0.0.1:$redis_port" --cas "grpc://127.0.0.1:$storage" --workers 0)
serve a "${farm[@]}"; a=$served_port
serve b "${farm[@]}"; b=$served_port
for n in 1 2; do
  "$kiln" worker --scheduler "127.0.0.1:$a,127.0.0.1:$b" --work-dir "$work/worker-$n" --slots 2 \
    --worker-id "farm-worker-$n" > "$work/worker-$n.log" 2>&1 &
  farm_pids+=($!)
done
for n in 1 2; do
  for _ in $(seq 1 100); do grep -q "connected to" "$work/worker-$n.log" && break; sleep 0.1; done
  grep -q "connected to" "$work/worker-$n.log" || { cat "$work/worker-$n.log"; fail "worker $n did not connect"; }
done

copy_workspace "$(dirname "$0")/exec_workspace"
through() { echo --remote_executor="grpc://127.0.0.1:$1" $(offline_overrides); }

first=$(run_bazel test $(through "$a") //...) || { echo "$first"; tail -20 "$work"/*.log; fail "build and test through A"; }
summary=$(processes_line "$first")
echo "through frontend A: $summary"
grep -qE "[0-9]+ remote[,.]" <<< "$summary" || { echo "$first"; fail "no action ran remotely"; }
grep -qE "linux-sandbox|processwrapper-sandbox|[0-9]+ local" <<< "$summary" && fail "some actions ran locally"
grep -qE "2 tests pass" <<< "$first" || { echo "$first"; fail "tests did not pass remotely"; }

run_bazel clean >/dev/null
second=$(run_bazel test $(through "$b") //...) || { echo "$second"; fail "build and test through B"; }
summary=$(processes_line "$second")
echo "after bazel clean, through frontend B: $summary"
grep -qE "[0-9]+ remote cache hit" <<< "$summary" || { echo "$second"; fail "no remote cache hits through B"; }
grep -qE " remote[,.]|linux-sandbox|processwrapper-sandbox|[0-9]+ local" <<< "$summary" && { echo "$second"; fail "not everything was a cache hit through B"; }
echo "PASS: every action ran on the farm through A, then every action was a cache hit through B"
