#!/usr/bin/env bash
# BuildStream 1.6 with kiln over mutual TLS, with an auth file (Bazel's is
# tests/bazel/remote_tls_test.sh).
#   1. "pusher" (client certificate, cas-read/write and asset-fetch/push) builds and pushes;
#   2. "reader" (cas-read and asset-fetch only) pulls everything with push: false;
#   3. "reader" configured with push: true: kiln refuses its probes of BatchUpdateBlobs and
#      PushDirectory with PERMISSION_DENIED, and bst 1.6 then leaves the remote out
#      altogether (a warning, and everything is built locally): that is bst's choice, kiln
#      only has to refuse.
# Import elements only: the sandbox is artifact_cache_test.sh's business.
# Usage: tls_test.sh PATH_TO_KILN
source "$(dirname "$0")/lib.sh"
kiln=$1
certs="$work/certs"
mkdir -p "$certs"
make_cert "$certs" ca ""
make_cert "$certs" server "IP:127.0.0.1" ca
make_cert "$certs" pusher "DNS:pusher" ca
make_cert "$certs" reader "DNS:reader" ca
cat > "$work/auth.json" <<EOF
{"principals": [
   {"name": "pusher", "certificate_names": ["pusher"],
    "grants": [{"permissions": ["cas-read", "cas-write", "asset-fetch", "asset-push"]}]},
   {"name": "reader", "certificate_names": ["reader"],
    "grants": [{"permissions": ["cas-read", "asset-fetch"]}]}],
 "anonymous": {"grants": []}}
EOF
start_kiln "$kiln" --workers 0 --auth-file "$work/auth.json" --tls-cert "$certs/server.crt" \
  --tls-key "$certs/server.key" --tls-client-ca "$certs/ca.crt"
grep -q "TLS, client certificates required" "$work/kiln.log" || { cat "$work/kiln.log"; fail "kiln does not require client certificates"; }
copy_project "$(dirname "$0")/project"
add_host_shell "$work/project/files/base"
head -c 3000000 /dev/urandom > "$work/project/files/hello/large.bin"
as() {  # as NAME PUSH: the configuration of principal NAME
  write_bst_config "$2" https "server-cert: $certs/ca.crt" "client-cert: $certs/$1.crt" "client-key: $certs/$1.key"
}

as pusher true
out=$(run_bst build imports.bst) || { echo "$out"; cat "$work/kiln.log"; fail "pusher's build"; }
expect_no_crash "$out" "pusher's build"
expect_queue "$out" Push "processed 3, skipped 0, failed 0" "pusher's build"
echo "pusher: $(queue_summary "$out")"

rm -rf "$XDG_CACHE_HOME/buildstream"
as reader false
out=$(run_bst build imports.bst) || { echo "$out"; cat "$work/kiln.log"; fail "reader's build"; }
expect_no_crash "$out" "reader's build"
expect_queue "$out" Pull "processed 3, skipped 0, failed 0" "reader's build: everything pulled"
expect_queue "$out" Build "processed 0, skipped 3, failed 0" "reader's build: nothing built"
echo "reader: $(queue_summary "$out")"

rm -rf "$XDG_CACHE_HOME/buildstream"
as reader true
out=$(run_bst build imports.bst) || { echo "$out"; cat "$work/kiln.log"; fail "reader's build with push: true"; }
expect_no_crash "$out" "reader's build with push: true"
grep -qE "denied /build.bazel.remote.asset.v1.Push/PushDirectory to reader .*PERMISSION_DENIED" "$work/kiln.log" ||
  { cat "$work/kiln.log"; fail "kiln did not refuse the reader's PushDirectory"; }
grep -q "does not allow push" <<< "$out" || { echo "$out"; fail "bst did not see that kiln refuses its pushes"; }
echo "reader with push: true: $(echo "$out" | grep -m1 "does not allow push" | sed 's/^.*WARNING *//')"
echo "PASS: BuildStream pushed and pulled over mutual TLS, and a read-only certificate could not push"
