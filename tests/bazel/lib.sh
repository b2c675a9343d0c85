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
