#!/usr/bin/env bash
# classify_timeout.sh on recorded libFuzzer logs: an upstream library's slow path under an
# isolated reader is "contained", time in our own code fails, and a log without a timeout is
# neither. Usage: classify_timeout_test.sh SOURCE_DIR
set -uo pipefail
dir=${1:?}/tests/fuzz
fail=0
expect() {  # expect RC PREFIX LOG
  local out rc
  out=$(bash "$dir/classify_timeout.sh" "$3"); rc=$?
  if [ "$rc" != "$1" ] || [[ "$out" != "$2"* ]]; then
    echo "FAIL: $3: rc $rc, '$out' (wanted rc $1, '$2...')"; fail=1
  else
    echo "ok: $(basename "$3"): $out"
  fi
}
expect 0 "contained: the time went in libpoppler.so.126 under prov::ingest::detail::read_pdf" \
  "$dir/timeout_logs/poppler_cmap.log"
expect 1 "ours: the time went in prov::ingest::detail::clean_page_text" "$dir/timeout_logs/own_code.log"
expect 2 "not a timeout" "$dir/CMakeLists.txt"
exit $fail
