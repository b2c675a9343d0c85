#!/usr/bin/env bash
# The real BuildStream client (Debian's buildstream 1.6) with kiln as its artifact cache,
# pulling and pushing. bst 1.6 talks to kiln through the Remote Asset API (FetchDirectory and
# PushDirectory of urn:fdc:buildstream.build:2020:v1:PROJECT/ELEMENT/KEY), the CAS
# (FindMissingBlobs, BatchUpdateBlobs, BatchReadBlobs), ByteStream (blobs of 1 MiB and more)
# and GetCapabilities. Steps:
#   1. build everything: every artifact is a miss on kiln, is built and pushed;
#   2. wipe the local cache and build again: everything pulled from kiln, nothing built;
#   3. build an element kiln does not have yet: a miss, built and pushed;
#   4. restart kiln after one blob of a pushed artifact was lost: that artifact is a miss
#      (kiln serves no incomplete tree), is built again and pushed again.
# Everything is local (sources are local files, kiln listens on 127.0.0.1).
# Usage: artifact_cache_test.sh PATH_TO_KILN
source "$(dirname "$0")/lib.sh"
kiln=$1
start_kiln "$kiln" --workers 0
write_bst_config
copy_project "$(dirname "$0")/project"
add_host_shell "$work/project/files/base"
# Over bst's 1 MiB batch limit: written and read with ByteStream.
head -c 3000000 /dev/urandom > "$work/project/files/hello/large.bin"
large_sha256=$(sha256sum "$work/project/files/hello/large.bin" | cut -d' ' -f1)

problem=$(sandbox_problem)
if [ -z "$problem" ]; then
  target=all.bst late=late.bst
else
  # Only build elements need the sandbox: import and stack elements still go through the
  # whole artifact cache round trip.
  echo "NOTE: no sandboxed elements: $problem"
  target=imports.bst late=late-import.bst
fi
# Artifacts of $target: base, hello and the stack, and greet where it is built.
artifacts=$([ -z "$problem" ] && echo 4 || echo 3)

step() {  # step NAME: the start of a step
  step_name=$1 step_start=$SECONDS
}
step_done() {  # step_done OUTPUT: how long the step took, and what bst's queues did
  echo "$step_name: $((SECONDS - step_start)) s; $(queue_summary "$1")"
}

step "build and push"
out=$(run_bst build "$target") || { echo "$out"; cat "$work/kiln.log"; fail "first build"; }
expect_no_crash "$out" "first build"
expect_queue "$out" Pull "processed 0, skipped $artifacts, failed 0" "first build: every artifact is a miss"
expect_queue "$out" Build "processed $artifacts, skipped 0, failed 0" "first build"
expect_queue "$out" Push "processed $artifacts, skipped 0, failed 0" "first build"
step_done "$out"

step "pull everything"
rm -rf "$XDG_CACHE_HOME/buildstream"
out=$(run_bst build "$target") || { echo "$out"; cat "$work/kiln.log"; fail "build after wiping the local cache"; }
expect_no_crash "$out" "second build"
# bst pulls what the target needs (not the build-only dependencies of pulled artifacts).
expect_queue "$out" Pull "processed [1-9][0-9]*, skipped 0, failed 0" "second build: everything pulled"
expect_queue "$out" Build "processed 0, skipped [0-9]+, failed 0" "second build: nothing built"
checkout=$(run_bst checkout --no-integrate "$target" "$work/checkout") || { echo "$checkout"; fail "checkout of the pulled artifacts"; }
[ "$(sha256sum < "$work/checkout/usr/share/hello/large.bin" | cut -d' ' -f1)" = "$large_sha256" ] ||
  fail "pulled large.bin differs from the one built"
if [ -z "$problem" ]; then
  grep -qx "hello from the sandbox" "$work/checkout/greeting.txt" || fail "pulled greeting.txt is wrong"
fi
step_done "$out"

step "build a miss"
out=$(run_bst build "$late") || { echo "$out"; cat "$work/kiln.log"; fail "build of $late, which kiln does not have"; }
expect_no_crash "$out" "build of $late"
grep -qE "pull:$late .*does not have .* cached" <<< "$out" || { echo "$out"; fail "$late: no miss reported"; }
expect_queue "$out" Build "processed 1, skipped [0-9]+, failed 0" "build of $late: only it built"
expect_queue "$out" Push "processed 1, skipped [0-9]+, failed 0" "build of $late: pushed"
step_done "$out"

step "lost content"
stop_kiln
lost=$(find "$work/data/cas" -type f -name "$large_sha256")
[ -n "$lost" ] || fail "kiln stored no blob named $large_sha256 under $work/data/cas"
rm $lost
start_kiln "$kiln" --workers 0
write_bst_config
rm -rf "$XDG_CACHE_HOME/buildstream"
out=$(run_bst build "$target") || { echo "$out"; cat "$work/kiln.log"; fail "build after kiln lost a blob"; }
expect_no_crash "$out" "build after kiln lost a blob"
grep -qE "pull:hello.bst .*does not have .* cached" <<< "$out" || { echo "$out"; fail "hello.bst: no miss reported"; }
expect_queue "$out" Build "processed 1, skipped [0-9]+, failed 0" "build after kiln lost a blob: only hello.bst built"
expect_queue "$out" Push "processed 1, skipped [0-9]+, failed 0" "build after kiln lost a blob: hello.bst pushed again"
[ -n "$(find "$work/data/cas" -type f -name "$large_sha256")" ] || fail "the lost blob was not pushed again"
step_done "$out"
echo "PASS: BuildStream pushed to kiln, pulled everything back, and built and pushed what kiln missed"
