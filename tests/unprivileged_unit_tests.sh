#!/usr/bin/env bash
# The unit tests of the sandbox, the worker and the CAS, run as an unprivileged user: what
# kiln guarantees whoever it runs as (a stored blob no action can change, actions that die
# with their server) has a non-root path of its own. As root, the tests run as nobody
# through util-linux's setpriv, from a copy of the binary that nobody can reach.
#   unprivileged_unit_tests.sh PATH/TO/kiln_unit_tests
set -euo pipefail
binary=$1
filter='SandboxRunner*:SandboxIdentity*:ExecutorOnDisk*:InputStager*:DiskBlobStore*:OutputCollector*:WorkDirector*:ActionExecutor*:ProcessRunner*:RunnerChoice*:NetworkNamespace*:*Blob*'
if [ "$(id -u)" -ne 0 ]; then
  exec "$binary" --gtest_filter="$filter"
fi
copy_dir=$(mktemp -d)
trap 'rm -rf "$copy_dir"' EXIT
chmod 755 "$copy_dir"
cp "$binary" "$copy_dir/"
cd /tmp
setpriv --reuid=65534 --regid=65534 --clear-groups "$copy_dir/$(basename "$binary")" --gtest_filter="$filter"
