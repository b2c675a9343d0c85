#!/usr/bin/env bash
# The real Bazel client over TLS against a kiln that requires credentials: an auth file with a
# read-write token and a read-only one. Bazel builds remotely with the read-write token; with
# a wrong token it fails with kiln's UNAUTHENTICATED message; with the read-only token and
# --remote_upload_local_results the build still succeeds, and nothing reaches the cache (its
# actions differ from the first build's by an --action_env, so that they cannot be cache
# hits of those).
# Bazel with a client certificate instead of a token is remote_tls_test.sh.
# Usage: remote_auth_test.sh PATH_TO_KILN
source "$(dirname "$0")/lib.sh"
kiln=$1
writer_token=$(head -c 24 /dev/urandom | base64 | tr -d '/+=')
reader_token=$(head -c 24 /dev/urandom | base64 | tr -d '/+=')
cat > "$work/auth.json" <<EOF_AUTH
{"principals": [
   {"name": "ci", "token_sha256": ["$(printf %s "$writer_token" | "$kiln" auth hash-token)"],
    "grants": [{"permissions": ["cas-read", "cas-write", "ac-read", "execute"]}]},
   {"name": "laptop", "token_sha256": ["$(printf %s "$reader_token" | "$kiln" auth hash-token)"],
    "grants": [{"permissions": ["cas-read", "ac-read"]}]}],
 "anonymous": {"grants": []}}
EOF_AUTH
new_test_certs
start_kiln "$kiln" --workers 2 --auth-file "$work/auth.json" --tls-cert "$certs/server.pem" --tls-key "$certs/server.key"
enable_bazel_tls
copy_workspace "$(dirname "$0")/workspace"

# 1. Remote execution with the read-write token.
first=$(run_bazel build --remote_executor="grpcs://localhost:$port" --tls_certificate="$certs/ca.pem" \
  --remote_header="Authorization=Bearer $writer_token" //...) || { echo "$first"; cat "$work/kiln.log"; fail "build with the token"; }
summary=$(processes_line "$first")
echo "with the token: $summary"
grep -qE "[0-9]+ remote[,.]" <<< "$summary" || { echo "$first"; fail "no action ran remotely"; }
grep -q "hello from kiln" "$work/ws/bazel-bin/greeting.txt" || fail "output content wrong"

# 2. A wrong token: the build fails with kiln's message.
run_bazel clean >/dev/null
if wrong=$(run_bazel build --remote_executor="grpcs://localhost:$port" --tls_certificate="$certs/ca.pem" \
  --remote_header="Authorization=Bearer wrong-$writer_token" //...); then
  echo "$wrong"; fail "a build with a wrong token succeeded"
fi
grep -q "UNAUTHENTICATED" <<< "$wrong" || { echo "$wrong"; fail "no UNAUTHENTICATED in Bazel's output"; }
grep -q "bearer token" <<< "$wrong" || { echo "$wrong"; fail "kiln's message is not in Bazel's output"; }
grep -q "$writer_token" <<< "$wrong" && fail "the token appears in an error message"
echo "with a wrong token: $(echo "$wrong" | grep -m1 UNAUTHENTICATED | cut -c1-160)"

# 3. A read-only token with a remote cache: actions run locally, their results are not
# uploaded (ac-write is missing), and the build succeeds.
run_bazel clean >/dev/null
cache_flags=(--remote_cache="grpcs://localhost:$port" --tls_certificate="$certs/ca.pem" --remote_header="Authorization=Bearer $reader_token"
             --remote_upload_local_results --genrule_strategy=local --spawn_strategy=local)
reader=$(run_bazel build "${cache_flags[@]}" --action_env=KILN_READ_ONLY_RUN=1 //...) || { echo "$reader"; cat "$work/kiln.log"; fail "read-only build"; }
echo "read-only token: $(processes_line "$reader")"
grep -qE "denied .* to laptop .*PERMISSION_DENIED" "$work/kiln.log" || { cat "$work/kiln.log"; fail "no upload of the read-only client was refused"; }
echo "refused: $(grep -m1 -E "denied .* to laptop" "$work/kiln.log" | cut -c1-160)"
run_bazel clean >/dev/null
again=$(run_bazel build "${cache_flags[@]}" --action_env=KILN_READ_ONLY_RUN=1 //...) || { echo "$again"; fail "second read-only build"; }
grep -qE "[0-9]+ remote cache hit" <<< "$(processes_line "$again")" && { echo "$again"; fail "a read-only client's results reached the cache"; }
echo "PASS: a bearer token builds remotely, a wrong token is UNAUTHENTICATED, a read-only token uploads nothing"
