#!/usr/bin/env bash
# Bazel with kiln's bazel-remote HTTP cache protocol (--remote_cache=http://...): build,
# `bazel clean`, build again, and require that every action is a remote cache hit the second
# time, with what the first build uploaded over HTTP readable over gRPC too.
# Usage: http_cache_test.sh PATH_TO_KILN
source "$(dirname "$0")/lib.sh"
start_kiln "$1" --workers 0
[ -n "$http_port" ] || fail "kiln printed no HTTP port"
copy_workspace "$(dirname "$0")/workspace"

cache="http://127.0.0.1:$http_port"
first=$(run_bazel build --remote_cache="$cache" //...) || { echo "$first"; fail "first build"; }
echo "first build: $(processes_line "$first")"
run_bazel clean >/dev/null
second=$(run_bazel build --remote_cache="$cache" //...) || { echo "$second"; fail "second build"; }
summary=$(processes_line "$second")
echo "second build: $summary"
echo "$summary" | grep -qE "[0-9]+ remote cache hit" || { echo "$second"; fail "no remote cache hits after bazel clean"; }
echo "$summary" | grep -qE "linux-sandbox|processwrapper-sandbox|[0-9]+ local" && fail "some actions ran locally"
grep -q "hello from kiln" "$work/ws/bazel-bin/greeting.txt" || fail "output content wrong"
# The same stores as gRPC: a third build over gRPC hits what HTTP stored.
run_bazel clean >/dev/null
third=$(run_bazel build --remote_cache="grpc://127.0.0.1:$port" //...) || { echo "$third"; fail "build over gRPC"; }
echo "build over gRPC: $(processes_line "$third")"
echo "PASS: every action was a remote cache hit over HTTP"
