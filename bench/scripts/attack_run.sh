#!/usr/bin/env bash
# Runs `kiln attack` against a fresh `kiln serve` of its own (loopback, a free port, a temp
# data directory) and prints the attack report: how the server's GetCapabilities latency
# held up during each attack. A benchmark, not a test: latency depends on the machine.
#   bench/scripts/attack_run.sh [KILN_BINARY] [DURATION] [ATTACKS] [-- extra serve flags]
# SERVE_NICE=N runs the server at niceness N (negative needs root): how much of a probe's
# latency is the attacker taking the machine's cores, rather than the server itself.
set -euo pipefail
kiln=${1:-build/kiln}
duration=${2:-5s}
attacks=${3:-}
shift $(( $# < 3 ? $# : 3 ))
[ "${1:-}" = "--" ] && shift
data=$(mktemp -d /tmp/kiln-attack.XXXXXX)
port_file="$data/port"
cleanup() {
  [ -n "${server_pid:-}" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  rm -rf "$data"
}
trap cleanup EXIT
# The limits an operator would set for untrusted clients: actions cannot fill the machine.
nice -n "${SERVE_NICE:-0}" "$kiln" serve --listen 127.0.0.1:0 --http-listen 127.0.0.1:0 --data-dir "$data/store" --workers 2 \
  --action-max-memory 512M --action-max-log-bytes 64M "$@" > "$data/serve.log" 2>&1 &
server_pid=$!
port=""
for _ in $(seq 100); do
  port=$(grep -o 'serving on [^ ]*:[0-9]*' "$data/serve.log" 2>/dev/null | grep -o '[0-9]*$' | head -1 || true)
  [ -n "$port" ] && break
  sleep 0.1
done
[ -n "$port" ] || { echo "attack_run: kiln serve did not start:"; cat "$data/serve.log"; exit 1; }
args=(--target "127.0.0.1:$port" --duration "$duration")
[ -n "$attacks" ] && args+=(--attack "$attacks")
status=0
"$kiln" attack "${args[@]}" || status=$?
kill -0 "$server_pid" 2>/dev/null || { echo "attack_run: the server died"; cat "$data/serve.log"; exit 1; }
exit $status
