#!/usr/bin/env bash
# Development check: every message field, enum value and RPC in the upstream reference
# descriptor set (../shared/reference/reapi.desc) must exist in our proto/ with the same
# number and type. Our files may add things (google.rpc.code/error_details) but not differ.
# Not part of the build or the test suite: the reference is not shipped with kiln.
set -euo pipefail
cd "$(dirname "$0")/.."
reference=${1:-../shared/reference/reapi.desc}
[ -f "$reference" ] || { echo "check-protos: no reference at $reference, skipping"; exit 0; }
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
g++ -std=c++20 -O1 scripts/proto_fields.cc -o "$work/proto_fields" $(pkg-config --cflags --libs protobuf)
protos=$(cd proto && find . -name '*.proto' | sed 's|^\./||')
protoc -Iproto -I/usr/include --include_imports -o "$work/ours.desc" $protos
"$work/proto_fields" "$reference" > "$work/reference.txt"
"$work/proto_fields" "$work/ours.desc" > "$work/ours.txt"
missing=$(comm -23 "$work/reference.txt" "$work/ours.txt")
if [ -n "$missing" ]; then
  echo "check-protos: these upstream definitions differ or are missing in proto/:"
  echo "$missing"
  exit 1
fi
echo "check-protos: all $(wc -l < "$work/reference.txt") upstream fields, enum values and RPCs match"
