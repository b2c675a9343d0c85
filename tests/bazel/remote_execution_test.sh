#!/usr/bin/env bash
# The real Bazel client (Debian's bazel-bootstrap 4.2.3) runs every action of a small
# workspace (genrules, a declared directory output, cc_library, cc_binary, cc_test, sh_test)
# on kiln's workers with --remote_executor; after `bazel clean` the same build and tests must
# be served entirely from kiln's cache.
# Usage: remote_execution_test.sh PATH_TO_KILN
source "$(dirname "$0")/lib.sh"
[ -d "$MOCK_REPOS/rules_cc" ] || fail "$MOCK_REPOS is missing (dev.sh test installs bazel-bootstrap-source)"
start_kiln "$1" --workers 2
copy_workspace "$(dirname "$0")/exec_workspace"
flags=(--remote_executor="grpc://127.0.0.1:$port" $(offline_overrides))

first=$(run_bazel test "${flags[@]}" //...) || { echo "$first"; cat "$work/kiln.log"; fail "first build and test"; }
summary=$(processes_line "$first")
echo "first run: $summary"
grep -qE "[0-9]+ remote[,.]" <<< "$summary" || { echo "$first"; fail "no action ran remotely"; }
grep -qE "linux-sandbox|processwrapper-sandbox|[0-9]+ local" <<< "$summary" && fail "some actions ran locally"
grep -qE "2 tests pass" <<< "$first" || { echo "$first"; fail "tests did not pass remotely"; }
grep -q "tree/nested/two.txt" "$work/ws/bazel-bin/tree_listing.txt" || fail "directory output missing: $(cat "$work/ws/bazel-bin/tree_listing.txt")"
[ "$("$work/ws/bazel-bin/hello")" = "hello from a kiln worker" ] || [ "$("$work/ws/bazel-bin/hello")" = "hello kiln" ] || fail "hello binary output wrong"

run_bazel clean >/dev/null
second=$(run_bazel test "${flags[@]}" //...) || { echo "$second"; fail "second build and test"; }
summary=$(processes_line "$second")
echo "after bazel clean: $summary"
grep -qE "[0-9]+ remote cache hit" <<< "$summary" || { echo "$second"; fail "no remote cache hits after bazel clean"; }
grep -qE " remote[,.]|linux-sandbox|processwrapper-sandbox|[0-9]+ local" <<< "$summary" && { echo "$second"; fail "not everything was a cache hit"; }
echo "PASS: every action ran on kiln, and then every action was a remote cache hit"
