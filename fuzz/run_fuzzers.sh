#!/usr/bin/env bash
# Runs every libFuzzer harness built in BUILD_DIR (./dev.sh fuzz does the build), one after
# another on one core, each for SECONDS:
#   fuzz/run_fuzzers.sh BUILD_DIR SECONDS [NAME...]   (default: every harness)
# Each harness grows a working corpus in BUILD_DIR/fuzz-corpus/NAME, starting from the
# checked-in seeds (fuzz/corpus/NAME) and regressions (fuzz/regressions/NAME), which stay
# as they are. A crash, leak, timeout or out-of-memory input is saved as
# BUILD_DIR/fuzz-crashes/NAME/crash-...: copy it into fuzz/regressions/NAME once fixed.
# Prints each harness's runs, CPU seconds and findings; exits non-zero if any harness failed.
set -uo pipefail
cd "$(dirname "$0")/.."
build=$1
seconds=$2
shift 2
names=("$@")
if [ ${#names[@]} -eq 0 ]; then
  for source in fuzz/*_fuzzer.cc; do
    name=$(basename "$source" _fuzzer.cc)
    names+=("$name")
  done
fi

failed=()
for name in "${names[@]}"; do
  binary="$build/fuzz/fuzz_$name"
  corpus="$build/fuzz-corpus/$name"
  crashes="$build/fuzz-crashes/$name"
  log="$build/fuzz-logs/$name.log"
  mkdir -p "$corpus" "$crashes" "$(dirname "$log")" "fuzz/regressions/$name"
  TIMEFORMAT="%U %S"
  cpu=$( { time "$binary" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2048 -max_len=65536 \
             -print_final_stats=1 -artifact_prefix="$crashes/" \
             "$corpus" "fuzz/corpus/$name" "fuzz/regressions/$name" > "$log" 2>&1; echo "rc=$?" >> "$log"; } 2>&1 )
  rc=$(sed -n 's/^rc=//p' "$log" | tail -1)
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  cpu_seconds=$(echo "$cpu" | awk '{printf "%.0f", $1 + $2}')
  units=$(find "$corpus" -type f | wc -l)
  printf '%-20s %10s runs  %6s CPU s  corpus %6s  ' "$name" "${runs:-?}" "$cpu_seconds" "$units"
  if [ "$rc" = 0 ]; then
    echo "ok"
  else
    failed+=("$name")
    echo "FAILED (rc $rc): $(ls -t "$crashes" | head -1) -- see $log"
  fi
done
if [ ${#failed[@]} -ne 0 ]; then
  echo "run_fuzzers: findings in ${failed[*]}"
  exit 1
fi
