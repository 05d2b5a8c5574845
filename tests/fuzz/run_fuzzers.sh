#!/usr/bin/env bash
# Runs every fuzz target for a few seconds on its seeds (fixtures/fuzz/<target>/ if present,
# plus matching fixtures). Usage: run_fuzzers.sh BUILD_DIR SECONDS
# PROV_FUZZ_ARTIFACTS=DIR keeps the inputs of contained slow runs there.
# PROV_FUZZ_SEED=N (default 1) fixes libFuzzer's random seed, so that CI's brief runs try the
# same inputs every time and a CI result is reproducible; PROV_FUZZ_SEED=0 draws a new seed per
# run, for exploring (e.g. run_fuzzers.sh build-fuzz 600).
set -euo pipefail
build=$(cd "${1:-build-fuzz}" && pwd)
secs=${2:-20}
root=$(cd "$(dirname "$0")/../.." && pwd)
status=0
for bin in "$build"/tests/fuzz/fuzz_*; do
  [ -x "$bin" ] || continue
  name=$(basename "$bin")
  work=$(mktemp -d)
  mkdir "$work/corpus"
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
  if ! (cd "$work" && "$bin" -seed="${PROV_FUZZ_SEED:-1}" -max_total_time="$secs" -max_len=262144 -rss_limit_mb=2048 -timeout=10 \
      -print_final_stats=0 corpus "${seeds[@]}") >"$work.log" 2>&1; then
    # A timeout spent inside a library whose reader production isolates (poppler, libmobi,
    # djvulibre: ingest/isolate.cpp kills it at timeout_s) is reported, not failed on; see
    # classify_timeout.sh. Crashes, leaks and timeouts in our own code fail.
    if verdict=$(bash "$root/tests/fuzz/classify_timeout.sh" "$work.log"); then
      unit=$(ls "$work"/timeout-* 2>/dev/null | head -1)
      echo "fuzz: $name slow input, $verdict (input ${unit:+$(wc -c <"$unit") bytes, sha256 $(sha256sum "$unit" | cut -c1-16)})"
      if [ -n "${PROV_FUZZ_ARTIFACTS:-}" ] && [ -n "$unit" ]; then
        mkdir -p "$PROV_FUZZ_ARTIFACTS" && cp "$unit" "$PROV_FUZZ_ARTIFACTS/$name-$(basename "$unit")"
      fi
    else
      echo "fuzz: $name FAILED${verdict:+ ($verdict)}"; tail -40 "$work.log"; status=1
      # The input, so that a CI log is enough to reproduce: base64 -d > x; $bin x
      unit=$(ls "$work"/crash-* "$work"/leak-* "$work"/oom-* "$work"/timeout-* 2>/dev/null | head -1)
      if [ -n "$unit" ] && [ "$(wc -c <"$unit")" -le 65536 ]; then
        echo "fuzz: $name input ($(wc -c <"$unit") bytes), base64:"; base64 -w 0 "$unit"; echo
      fi
    fi
  fi
  rm -rf "$work" "$work.log"
done
exit $status
