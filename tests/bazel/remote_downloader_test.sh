#!/usr/bin/env bash
# The real Bazel client (bazel-bootstrap 4.2.3) downloads an external file through kiln's
# Remote Asset API (--experimental_remote_downloader). Then the origin is deleted and the
# output base expunged: the next build must get the file from kiln's records and CAS.
# Usage: remote_downloader_test.sh PATH_TO_KILN
source "$(dirname "$0")/lib.sh"
mkdir -p "$work/origin"
# kiln reads file:// URIs only under the directories given with --asset-file-roots.
start_kiln "$1" --workers 0 --asset-file-roots "$work/origin"
mkdir -p "$work/ws" "$work/origin"
echo "fetched through kiln" > "$work/origin/dep.txt"
sha256=$(sha256sum "$work/origin/dep.txt" | cut -d' ' -f1)
cat > "$work/ws/WORKSPACE" <<EOF
load("@bazel_tools//tools/build_defs/repo:http.bzl", "http_file")
http_file(
    name = "dep",
    urls = ["file://$work/origin/dep.txt"],
    sha256 = "$sha256",
    downloaded_file_path = "dep.txt",
)
EOF
cat > "$work/ws/BUILD" <<'EOF'
genrule(
    name = "copy",
    srcs = ["@dep//file"],
    outs = ["copy.txt"],
    cmd = "cat $< > $@",
)
EOF
# No repository cache: every download goes to the remote downloader (which Bazel only
# accepts together with a gRPC remote cache).
flags=(--remote_cache="grpc://127.0.0.1:$port" --experimental_remote_downloader="grpc://127.0.0.1:$port" --repository_cache=)

first=$(run_bazel build "${flags[@]}" //:copy) || { echo "$first"; cat "$work/kiln.log"; fail "first build"; }
grep -q "fetched through kiln" "$work/ws/bazel-bin/copy.txt" || fail "first build: wrong content"
[ -n "$(find "$work/data/asset" -type f)" ] || fail "kiln recorded no asset: Bazel did not use the remote downloader"

rm "$work/origin/dep.txt"
run_bazel clean --expunge >/dev/null
second=$(run_bazel build "${flags[@]}" //:copy) || { echo "$second"; cat "$work/kiln.log"; fail "build after the origin was deleted"; }
grep -q "fetched through kiln" "$work/ws/bazel-bin/copy.txt" || fail "second build: wrong content"
echo "PASS: Bazel downloaded through kiln, and kiln served the file again once the origin was gone"
