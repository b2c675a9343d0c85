#!/usr/bin/env bash
# The real Bazel client against a fresh kiln with --remote_cache: build, `bazel clean`, build
# again, and require that every action is a remote cache hit the second time.
# Usage: remote_cache_test.sh PATH_TO_KILN
source "$(dirname "$0")/lib.sh"
start_kiln "$1" --workers 0
copy_workspace "$(dirname "$0")/workspace"

first=$(run_bazel build --remote_cache="grpc://127.0.0.1:$port" //...) || { echo "$first"; fail "first build"; }
echo "first build: $(processes_line "$first")"
run_bazel clean >/dev/null
second=$(run_bazel build --remote_cache="grpc://127.0.0.1:$port" //...) || { echo "$second"; fail "second build"; }
summary=$(processes_line "$second")
echo "second build: $summary"
grep -qE "[0-9]+ remote cache hit" <<< "$summary" || { echo "$second"; fail "no remote cache hits after bazel clean"; }
grep -qE "linux-sandbox|processwrapper-sandbox|[0-9]+ local" <<< "$summary" && fail "some actions ran locally"
grep -q "hello from kiln" "$work/ws/bazel-bin/greeting.txt" || fail "output content wrong"
echo "PASS: every action was a remote cache hit"
