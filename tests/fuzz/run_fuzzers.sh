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
  # Real files of the format from the shared corpus, when it is there (read-only seeds).
  shared="$root/../shared/corpus"
  case "${name#fuzz_}" in
    txt) seed_dirs=("$root/fixtures/works") ;;
    tokenize) seed_dirs=("$root/fixtures/works" "$root/fixtures/filler") ;;
    epub) seed_dirs=("$shared/ebooks/epub/epubcheck") ;;
    pdf) seed_dirs=("$shared/ebooks/pdf") ;;
    mobi) seed_dirs=("$shared/ebooks/mobi") ;;
    fb2) seed_dirs=("$shared/ebooks/fb2/fbreaderj") ;;
    *) seed_dirs=() ;;
  esac
  for d in "${seed_dirs[@]}"; do [ -d "$d" ] && seeds+=("$d"); done
  echo "fuzz: $name for ${secs}s"
  if ! "$bin" -max_total_time="$secs" -max_len=262144 -rss_limit_mb=2048 -timeout=10 \
      -print_final_stats=0 "$work" "${seeds[@]}" >"$work.log" 2>&1; then
    echo "fuzz: $name FAILED"; tail -40 "$work.log"; status=1
  fi
  rm -rf "$work" "$work.log"
done
exit $status
