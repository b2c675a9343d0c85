# Shared by the farm benchmark scripts (source it): a temporary directory removed on exit
# with every process started through `spawn`, free loopback ports, a redis-server of the
# script's own, and `kiln serve` processes on free ports.
#   farm_setup NAME          $dir, the cleanup trap (KEEP_DIR=1: $dir is kept)
#   spawn COMMAND...         runs it in the background, killed on exit; $! as usual
#   start_redis [FLAGS...]   sets $redis_port, $redis_pid
#   serve NAME FLAGS...      kiln serve (with $kiln) on a free port: sets port_NAME, pid_NAME
pids=()
farm_setup() {
  dir=$(mktemp -d "/tmp/kiln-$1.XXXXXX")
  trap farm_cleanup EXIT
}
farm_cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  # KEEP_DIR=1 keeps the servers' logs and data for a look afterwards.
  if [ "${KEEP_DIR:-0}" = 1 ]; then echo "kept $dir" >&2; else rm -rf "$dir"; fi
}
spawn() {
  "$@" &
  pids+=($!)
}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
start_redis() {
  redis_port=$(free_port)
  mkdir -p "$dir/redis"
  spawn redis-server --bind 127.0.0.1 --port "$redis_port" --dir "$dir/redis" --save '' "$@" > "$dir/redis.log" 2>&1
  redis_pid=$!
  for _ in $(seq 100); do redis-cli -p "$redis_port" ping > /dev/null 2>&1 && break; sleep 0.1; done
}
serve() {
  local name=$1; shift
  spawn "$kiln" serve --listen 127.0.0.1:0 --http-listen 127.0.0.1:0 --data-dir "$dir/$name" --scrub-bytes-per-second 0 "$@" > "$dir/$name.log" 2>&1
  eval "pid_$name=$!"
  for _ in $(seq 100); do grep -q "serving on" "$dir/$name.log" 2>/dev/null && break; sleep 0.1; done
  eval "port_$name=$(grep -o 'serving on [^ ]*:[0-9]*' "$dir/$name.log" | grep -o '[0-9]*$' | head -1)"
}
