#!/usr/bin/env bash
# Runs every fuzz target for a few seconds on its seeds (fixtures/fuzz/<target>/ if present,
# plus matching fixtures). Usage: run_fuzzers.sh BUILD_DIR SECONDS
set -euo pipefail
build=${1:-build-fuzz}
secs=${2:-20}
root=$(cd "$(dirname "$0")/../.." && pwd)
status=0
for bin in "$build"/tests/fuzz/fuzz_*; do
  [ -x "$bin" ] || continue
  name=$(basename "$bin")
  work=$(mktemp -d)
  seeds=()
  [ -d "$root/fixtures/fuzz/${name#fuzz_}" ] && seeds+=("$root/fixtures/fuzz/${name#fuzz_}")
  echo "fuzz: $name for ${secs}s"
  if ! "$bin" -max_total_time="$secs" -max_len=65536 -rss_limit_mb=2048 -timeout=10 \
      -print_final_stats=0 "$work" "${seeds[@]}" >"$work.log" 2>&1; then
    echo "fuzz: $name FAILED"; tail -40 "$work.log"; status=1
  fi
  rm -rf "$work" "$work.log"
done
exit $status
