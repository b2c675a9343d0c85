# Shared by the Bazel client tests: a fresh kiln on a free loopback port and a Bazel with its
# own output root, both cleaned up on exit. Source it, then call start_kiln.
source "$(dirname "${BASH_SOURCE[0]}")/../client_lib.sh" bazel
command -v bazel >/dev/null || fail "bazel is not installed (dev.sh test installs bazel-bootstrap)"
MOCK_REPOS=/usr/src/bazel-bootstrap/mock_repos

client_cleanup() {
  (cd "$work/ws" 2>/dev/null && timeout 60 bazel "${bazel_startup[@]}" shutdown >/dev/null 2>&1) || true
}

# copy_workspace DIR: the workspace the bazel commands below run in.
copy_workspace() {
  cp -r "$1" "$work/ws"
}

# Startup options of every bazel command below (enable_bazel_tls adds one).
bazel_startup=(--output_user_root="$work/bazel-root")

# run_bazel ARGS...: bazel in the workspace, offline, output captured and echoed on failure.
run_bazel() {
  (cd "$work/ws" && timeout 600 bazel "${bazel_startup[@]}" "$@" --noshow_progress 2>&1)
}

# new_cert NAME CN ISSUER [SAN]: $certs/NAME.key and NAME.pem, signed by ISSUER's key
# (self-signed, a CA, if ISSUER is NAME), made with the openssl CLI.
certs="$work/certs"
new_cert() {
  local name=$1 cn=$2 issuer=$3 san=${4:-}
  mkdir -p "$certs"
  openssl req -newkey rsa:2048 -nodes -keyout "$certs/$name.key" -out "$certs/$name.csr" -subj "/CN=$cn" 2>/dev/null
  local ext="$certs/$name.ext"
  : > "$ext"
  [ -n "$san" ] && echo "subjectAltName=$san" > "$ext"
  if [ "$issuer" = "$name" ]; then
    echo "basicConstraints=critical,CA:true" >> "$ext"
    openssl x509 -req -in "$certs/$name.csr" -signkey "$certs/$name.key" -out "$certs/$name.pem" -days 2 \
      -extfile "$ext" 2>/dev/null
  else
    openssl x509 -req -in "$certs/$name.csr" -CA "$certs/$issuer.pem" -CAkey "$certs/$issuer.key" \
      -CAcreateserial -out "$certs/$name.pem" -days 2 -extfile "$ext" 2>/dev/null
  fi
  [ -s "$certs/$name.pem" ] || fail "could not make the certificate $name"
}
# new_test_certs: a CA ($certs/ca.pem) and kiln's server certificate for localhost and
# 127.0.0.1 ($certs/server.pem, .key), for kiln serve --tls-cert/--tls-key.
new_test_certs() {
  new_cert ca "kiln test CA" ca
  new_cert server localhost ca "DNS:localhost,IP:127.0.0.1"
}

# enable_bazel_tls: lets Debian's Bazel 4.2.3 make TLS connections at all. Its netty finds no
# ALPN in the JDK ("JDK provider does not support ALPN protocol"), but it carries the Java
# half of netty-tcnative, whose native half Debian ships (libnetty-tcnative-jni) under a name
# netty does not look for, and whose JNI_OnLoad refuses to run under any other name than
# netty's (it derives its package from the file name): a copy under netty's name on the
# server JVM's library path makes netty use OpenSSL, with ALPN.
enable_bazel_tls() {
  local jni=/usr/lib/x86_64-linux-gnu/jni/libnetty-tcnative.so
  [ -f "$jni" ] || fail "$jni is missing (dev.sh test installs libnetty-tcnative-jni)"
  mkdir -p "$work/jni"
  cp "$jni" "$work/jni/libnetty_tcnative.so"
  bazel_startup+=(--host_jvm_args=-Djava.library.path="$work/jni")
}

# The overrides that let Bazel 4.2.3 work without network for C++ and test rules.
offline_overrides() {
  echo "--override_repository=rules_cc=$MOCK_REPOS/rules_cc" \
       "--override_repository=rules_java=$MOCK_REPOS/rules_java" \
       "--override_repository=rules_proto=$MOCK_REPOS/rules_proto" \
       "--override_repository=remote_coverage_tools=$(cd "$(dirname "${BASH_SOURCE[0]}")/coverage_tools_stub" && pwd)"
}

# processes_line OUTPUT: Bazel's "N processes: ..." summary.
processes_line() {
  echo "$1" | grep -E "processes:" | tail -1
}
