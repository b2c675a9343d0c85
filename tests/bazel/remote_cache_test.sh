#!/usr/bin/env bash
# The real Bazel client against a fresh kiln: build with --remote_cache, `bazel clean`, build
# again, and require that every action is a remote cache hit the second time.
# Usage: remote_cache_test.sh PATH_TO_KILN
set -euo pipefail
kiln=$1
source_workspace=$(cd "$(dirname "$0")/workspace" && pwd)
work=$(mktemp -d /tmp/kiln-bazel-test.XXXXXX)
kiln_pid=""
cleanup() {
  (cd "$work/ws" 2>/dev/null && timeout 60 bazel --output_user_root="$work/bazel-root" shutdown >/dev/null 2>&1) || true
  [ -n "$kiln_pid" ] && kill -TERM "$kiln_pid" 2>/dev/null && wait "$kiln_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

command -v bazel >/dev/null || { echo "FAIL: bazel is not installed (dev.sh test installs bazel-bootstrap)"; exit 1; }
cp -r "$source_workspace" "$work/ws"

"$kiln" serve --listen 127.0.0.1:0 --data-dir "$work/data" > "$work/kiln.log" 2>&1 &
kiln_pid=$!
port=""
for _ in $(seq 1 100); do
  port=$(sed -n 's/^kiln: serving on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$work/kiln.log")
  [ -n "$port" ] && break
  sleep 0.2
done
[ -n "$port" ] || { echo "FAIL: kiln did not start"; cat "$work/kiln.log"; exit 1; }

bazel_build() {
  (cd "$work/ws" && timeout 300 bazel --output_user_root="$work/bazel-root" build \
     --remote_cache="grpc://127.0.0.1:$port" --noshow_progress //... 2>&1)
}

first=$(bazel_build) || { echo "FAIL: first build"; echo "$first"; exit 1; }
echo "$first" | grep -E "processes:" || true
(cd "$work/ws" && timeout 120 bazel --output_user_root="$work/bazel-root" clean >/dev/null 2>&1)
second=$(bazel_build) || { echo "FAIL: second build"; echo "$second"; exit 1; }
summary=$(echo "$second" | grep -E "processes:" | tail -1)
echo "second build: $summary"
if ! echo "$summary" | grep -qE "[0-9]+ remote cache hit"; then
  echo "FAIL: no remote cache hits after bazel clean"; echo "$second"; exit 1
fi
if echo "$summary" | grep -qE "linux-sandbox|processwrapper-sandbox|[0-9]+ local"; then
  echo "FAIL: some actions ran locally instead of being served from kiln"; exit 1
fi
grep -q "hello from kiln" "$work/ws/bazel-bin/greeting.txt" || { echo "FAIL: output content wrong"; exit 1; }
echo "PASS: every action was a remote cache hit"
