#!/usr/bin/env bash
# How fast the storage ring's repair pass restores copies: a farm of 4 storage nodes (R=2)
# and one frontend following the backplane's ring; `kiln bench` fills it with unique blobs
# (batch_update: 100 x 4 KiB per call; bytestream_write: 8 MiB each), then one node is
# killed (-9) and removed from the ring, and the frontend's "repair pass finished" line says
# how many copies it made, how many bytes, and at what rate. A benchmark, not a test: the
# numbers depend on the machine (everything here shares its cores).
#   bench/scripts/repair_throughput.sh [KILN_BINARY] [SCENARIO] [FILL_DURATION] [RATE]
# e.g. bench/scripts/repair_throughput.sh build/kiln bytestream_write 5s 1G
set -euo pipefail
kiln=$(realpath "${1:-build/kiln}")
scenario=${2:-batch_update}
fill=${3:-5s}
rate=${4:-1G}
source "$(dirname "$0")/farm_lib.sh"
farm_setup repair
start_redis
for i in 1 2 3 4; do serve "node$i" --role storage --backplane "redis://127.0.0.1:$redis_port" --max-cas-bytes 8G; done
serve frontend --backplane "redis://127.0.0.1:$redis_port" --replication 2 --workers 0 \
  --repair-bytes-per-second "$rate"
for _ in $(seq 100); do grep -q "on 4 storage node" "$dir/frontend.log" && break; sleep 0.1; done
"$kiln" bench --target "127.0.0.1:$port_frontend" --scenario "$scenario" --duration "$fill" > "$dir/fill.txt" 2>&1 ||
  { cat "$dir/fill.txt"; exit 1; }
grep -E "ops/s|MB/s" "$dir/fill.txt" | head -3 || true
for i in 1 2 3 4; do
  echo "node$i holds: $(du -sh "$dir/node$i/cas" | cut -f1)"
done
before=$(grep -c "repair pass finished" "$dir/frontend.log" || true)
kill -9 "$pid_node2"
redis-cli -p "$redis_port" HDEL "kiln:{kiln}:storage:nodes" "grpc://127.0.0.1:$port_node2" > /dev/null
echo "killed and removed node2 at $(date +%T)"
for _ in $(seq 6000); do
  [ "$(grep -c "repair pass finished" "$dir/frontend.log" || true)" -gt "$before" ] && break
  sleep 0.1
done
grep "repair pass" "$dir/frontend.log" | tail -n 4
