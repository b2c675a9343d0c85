# Shared by the BuildStream client tests: a fresh kiln on a free loopback port, and a
# BuildStream 1.6 whose home, configuration and local cache all live in the test's temporary
# directory, both cleaned up on exit. Source it, then call start_kiln and write_bst_config.
source "$(dirname "${BASH_SOURCE[0]}")/../client_lib.sh" bst
command -v bst >/dev/null || fail "bst is not installed (dev.sh test installs buildstream)"
# bst reads and writes only under these: nothing of the user running the test is touched.
export HOME="$work/home" XDG_CONFIG_HOME="$work/config" XDG_CACHE_HOME="$work/cache" XDG_DATA_HOME="$work/data-home"
mkdir -p "$HOME" "$XDG_CONFIG_HOME" "$XDG_CACHE_HOME" "$XDG_DATA_HOME"

# write_bst_config [PUSH [SCHEME [CONFIG LINES...]]]: bst's user configuration, with kiln (at
# the current $port) as the artifact cache it pulls from, and pushes to unless PUSH is false.
# SCHEME is http (default) or https; CONFIG LINES go into the artifacts entry as they are
# ("client-cert: FILE").
write_bst_config() {
  local push=${1:-true} scheme=${2:-http}
  shift $(($# < 2 ? $# : 2))
  {
    echo "artifacts:"
    echo "  url: $scheme://127.0.0.1:$port"
    echo "  push: $push"
    local line
    for line in "$@"; do echo "  $line"; done
  } > "$work/bst.conf"
}

# copy_project DIR: the project the bst commands below run in.
copy_project() {
  cp -r "$1" "$work/project"
}

# add_host_shell DIR: the host's /bin/sh and the libraries it loads, at the same paths under DIR.
add_host_shell() {
  local dir=$1
  mkdir -p "$dir/bin"
  cp -L /bin/sh "$dir/bin/sh"
  local lib
  for lib in $(ldd /bin/sh | grep -o '/[^ ]*'); do
    mkdir -p "$dir$(dirname "$lib")"
    cp -L "$lib" "$dir$lib"
  done
}

# sandbox_problem: empty if bubblewrap can run the sandbox BuildStream 1.6 builds in, else why
# not. bst uses a user namespace where bwrap can create one, and needs none as root.
# KILN_TEST_NO_SANDBOX=1 pretends it cannot, to try the test's other path.
sandbox_problem() {
  [ -n "${KILN_TEST_NO_SANDBOX:-}" ] && { echo "KILN_TEST_NO_SANDBOX is set"; return; }
  command -v bwrap >/dev/null || { echo "bwrap is not installed (dev.sh test installs bubblewrap)"; return; }
  local user_ns=()
  [ "$(bwrap --ro-bind / / --unshare-user --uid 0 --gid 0 whoami 2>/dev/null)" = root ] &&
    user_ns=(--unshare-user --uid 0 --gid 0)
  local error
  error=$(bwrap --ro-bind / / "${user_ns[@]}" --unshare-pid --unshare-net --unshare-uts --hostname buildstream \
                --unshare-ipc --proc /proc --dev /dev --tmpfs /tmp true 2>&1) ||
    echo "bwrap ${user_ns[*]:+(with a user namespace) }fails here: ${error:-no message}"
}

# make_cert DIR NAME SAN [CA]: DIR/NAME.crt and DIR/NAME.key, an EC key and a certificate
# for subjectAltName SAN (e.g. "IP:127.0.0.1"), issued by DIR/CA (a self-signed CA without it).
make_cert() {
  local dir=$1 name=$2 san=$3 ca=${4:-}
  if [ -z "$ca" ]; then
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 -subj "/CN=$name" \
      -keyout "$dir/$name.key" -out "$dir/$name.crt" 2>/dev/null
    return
  fi
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=$name" \
    -keyout "$dir/$name.key" -out "$dir/$name.csr" 2>/dev/null
  openssl x509 -req -in "$dir/$name.csr" -CA "$dir/$ca.crt" -CAkey "$dir/$ca.key" -CAcreateserial -days 1 \
    -extfile <(echo "subjectAltName=$san") -out "$dir/$name.crt" 2>/dev/null
}

# run_bst ARGS...: bst in the project, non-interactive and bounded, output on stdout.
# No retries: a failed pull or push is to show, not to be hidden by a second attempt.
run_bst() {
  (cd "$work/project" && timeout 120 bst --no-colors --no-interactive --network-retries 0 \
                                         -c "$work/bst.conf" "$@" 2>&1)
}

# queue_line OUTPUT QUEUE: "processed N, skipped N, failed N" of the Pipeline Summary's
# QUEUE (Pull, Fetch, Build, Push).
queue_line() {
  echo "$1" | sed -n "s/^ *$2 Queue: *\(processed [0-9]*, skipped [0-9]*, failed [0-9]*\).*/\1/p" | tail -1
}

# queue_summary OUTPUT: the Pull, Build and Push queues' lines, on one line.
queue_summary() {
  echo "pull: $(queue_line "$1" Pull); build: $(queue_line "$1" Build); push: $(queue_line "$1" Push)"
}

# expect_queue OUTPUT QUEUE PATTERN WHAT: fails (showing OUTPUT and kiln's log) unless the
# queue's line matches PATTERN.
expect_queue() {
  local line
  line=$(queue_line "$1" "$2")
  grep -qE "$3" <<< "$line" && return 0
  echo "$1"
  cat "$work/kiln.log"
  fail "$4: $2 Queue: '$line', expected '$3'"
}

# expect_no_crash OUTPUT WHAT: bst reports its own crashes with a Python traceback.
expect_no_crash() {
  if grep -qE "^Traceback|BUG" <<< "$1"; then
    echo "$1"
    fail "$2: bst crashed"
  fi
}
