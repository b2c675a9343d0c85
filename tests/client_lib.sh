# Shared by the real-client tests (tests/bazel, tests/buildstream): a temporary directory and
# a fresh kiln on a free loopback port, both cleaned up on exit, also when the script is
# killed (ctest's timeout, ^C). Source it with the temporary directory's name, e.g.
#   source "$(dirname "$0")/../client_lib.sh" bazel
# A suite adds its own cleanup by defining client_cleanup (run first).
set -euo pipefail

work=$(mktemp -d "/tmp/kiln-$1-test.XXXXXX")
kiln_pid=""
port=""

stop_kiln() {
  if [ -n "$kiln_pid" ]; then
    kill -TERM "$kiln_pid" 2>/dev/null || true
    wait "$kiln_pid" 2>/dev/null || true
    kiln_pid=""
  fi
}

cleanup() {
  if declare -F client_cleanup >/dev/null; then client_cleanup || true; fi
  stop_kiln
  rm -rf "$work"
}
trap cleanup EXIT
# A signal ends the script through exit, so that kiln is stopped and the directory removed.
trap 'exit 1' INT TERM HUP PIPE

fail() {
  echo "FAIL: $*"
  exit 1
}

# start_kiln KILN_BINARY [kiln serve flags...]: kiln on a free port, its data in $work/data
# (kept across restarts, so that a restarted kiln serves what it stored before). Sets $port
# and $http_port (its HTTP port, also ephemeral).
start_kiln() {
  local kiln=$1; shift
  # The log exists before kiln starts: the background job opens it only once it runs, and
  # a sed that cannot read it would end this script (set -e).
  : > "$work/kiln.log"
  "$kiln" serve --listen 127.0.0.1:0 --http-listen 127.0.0.1:0 --data-dir "$work/data" "$@" >> "$work/kiln.log" 2>&1 &
  kiln_pid=$!
  for _ in $(seq 1 100); do
    port=$(sed -n 's/^kiln: serving on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$work/kiln.log" | tail -1)
    http_port=$(sed -n 's/^kiln: serving on .*HTTP on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$work/kiln.log" | tail -1)
    [ -n "$port" ] && return 0
    sleep 0.2
  done
  cat "$work/kiln.log"
  fail "kiln did not start"
}
