#!/usr/bin/env bash
# The real Bazel client (Debian's bazel-bootstrap 4.2.3) over TLS with a client certificate:
# kiln serves grpcs with mutual TLS and an auth file whose only principal is named by the
# certificate. Bazel runs every action of a workspace on kiln's workers; after `bazel clean`
# everything is a remote cache hit; without its certificate Bazel is refused, and one that
# does not trust kiln's CA refuses kiln. (Bazel needs netty's OpenSSL binding for TLS at all:
# lib.sh, enable_bazel_tls.)
# Usage: remote_tls_test.sh PATH_TO_KILN
source "$(dirname "$0")/lib.sh"
[ -d "$MOCK_REPOS/rules_cc" ] || fail "$MOCK_REPOS is missing (dev.sh test installs bazel-bootstrap-source)"
kiln=$1
new_test_certs
new_cert other-ca "another CA" other-ca
new_cert client bazel-ci ca
cat > "$work/auth.json" <<EOF_AUTH
{"principals": [
   {"name": "ci", "certificate_names": ["bazel-ci"],
    "grants": [{"permissions": ["cas-read", "cas-write", "ac-read", "execute"]}]}],
 "anonymous": {"grants": []}}
EOF_AUTH
start_kiln "$kiln" --workers 2 --auth-file "$work/auth.json" --tls-cert "$certs/server.pem" --tls-key "$certs/server.key" \
  --tls-client-ca "$certs/ca.pem" --tls-client-auth optional
enable_bazel_tls
copy_workspace "$(dirname "$0")/exec_workspace"
target=(--remote_executor="grpcs://localhost:$port" $(offline_overrides))
client=(--tls_client_certificate="$certs/client.pem" --tls_client_key="$certs/client.key")

# 1. Everything runs on kiln, over mutual TLS.
first=$(run_bazel test "${target[@]}" --tls_certificate="$certs/ca.pem" "${client[@]}" //...) ||
  { echo "$first"; cat "$work/kiln.log"; fail "build and test over TLS"; }
summary=$(processes_line "$first")
echo "over TLS: $summary"
grep -qE "[0-9]+ remote[,.]" <<< "$summary" || { echo "$first"; fail "no action ran remotely"; }
grep -qE "linux-sandbox|processwrapper-sandbox|[0-9]+ local" <<< "$summary" && fail "some actions ran locally"
grep -qE "2 tests pass" <<< "$first" || { echo "$first"; fail "tests did not pass remotely"; }

# 2. After bazel clean, all cache hits.
run_bazel clean >/dev/null
second=$(run_bazel test "${target[@]}" --tls_certificate="$certs/ca.pem" "${client[@]}" //...) ||
  { echo "$second"; fail "second build and test over TLS"; }
summary=$(processes_line "$second")
echo "after bazel clean: $summary"
grep -qE "[0-9]+ remote cache hit" <<< "$summary" || { echo "$second"; fail "no remote cache hits after bazel clean"; }
grep -qE " remote[,.]|linux-sandbox|processwrapper-sandbox|[0-9]+ local" <<< "$summary" && { echo "$second"; fail "not everything was a cache hit"; }

# 3. Without the client certificate, Bazel is anonymous, and anonymous may do nothing.
run_bazel clean >/dev/null
if anonymous=$(run_bazel build "${target[@]}" --tls_certificate="$certs/ca.pem" //...); then
  echo "$anonymous"; fail "a build without a client certificate succeeded"
fi
grep -qE "UNAUTHENTICATED|PERMISSION_DENIED" <<< "$anonymous" || { echo "$anonymous"; fail "kiln's refusal is not in Bazel's output"; }
echo "without a certificate: $(echo "$anonymous" | grep -m1 -oE "(UNAUTHENTICATED|PERMISSION_DENIED).{0,120}")"

# 4. A Bazel that trusts another CA does not talk to kiln at all.
if untrusting=$(run_bazel build "${target[@]}" --tls_certificate="$certs/other-ca.pem" "${client[@]}" //...); then
  echo "$untrusting"; fail "a build trusting another CA succeeded"
fi
grep -qiE "certif|handshake|SSL|UNAVAILABLE" <<< "$untrusting" || { echo "$untrusting"; fail "no TLS failure in Bazel's output"; }
echo "PASS: Bazel over mutual TLS runs everything on kiln and then hits its cache; no certificate, no access; a wrong CA, no connection"
