#!/usr/bin/env bash
# tests/reports/chromium_test.sh: report.html in headless Chromium (Debian's chromium), offline.
# Builds a real report (fixtures/works indexed, a shard with planted passages, scan, report),
# loads it from file:// with every network route closed (a proxy that refuses, no DNS), and
# checks that the rendered DOM holds the work names and the excerpts, that the page made no
# request (no console message: a blocked or failed load is logged there, and the page's
# Content-Security-Policy turns any fetch into one), and that a screenshot PNG was written.
# CI-only (CONTRACT: .ci/run runs the Chromium tests after the README's test command).
# Usage: chromium_test.sh PATH/TO/provaudit SOURCE_DIR [ARTIFACT_DIR]
set -euo pipefail
bin=$1
src=$2
art=${3:-$PWD/chromium-artifacts}
mkdir -p "$art"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
browser=$(command -v chromium || command -v chromium-browser || true)
[ -n "$browser" ] || { echo "chromium_test: chromium is not installed"; exit 1; }

cp "$src"/fixtures/works/*.txt "$tmp/"
mkdir -p "$tmp/works" && mv "$tmp"/*.txt "$tmp/works/"
"$bin" ingest -q --index "$tmp/idx" "$tmp/works" >/dev/null
python3 - "$tmp" <<'PY'
import json, sys
tmp = sys.argv[1]
def passage(name, marker, n):
    t = open(f"{tmp}/works/{name}", encoding="utf-8").read().replace("\r\n", "\n")
    i = t.index(marker) if marker else len(t) // 2
    p = t[i:i + n]
    return p[:p.rindex(" ")]
alice = passage("alice-excerpt.txt", "Either the well was very deep", 600)
pride = passage("pride-excerpt.txt", None, 500)
with open(f"{tmp}/shard.jsonl", "w", encoding="utf-8") as f:
    mid = alice.index(" ", len(alice) // 2)  # hostile markup inside the passage
    f.write(json.dumps({"id": "d1", "text": alice[:mid] + " <img src=x onerror=alert(1)> " + alice[mid:] + " tail"}) + "\n")
    f.write(json.dumps({"id": "d2", "text": "Before. " + pride.upper() + " after"}) + "\n")
PY
"$bin" scan -q --index "$tmp/idx" --out "$tmp/run" "$tmp/shard.jsonl" >/dev/null
"$bin" report "$tmp/run" --out "$tmp/rep" --format html >/dev/null

offline=(--headless --disable-gpu --no-sandbox --disable-dev-shm-usage --no-first-run
         --disable-background-networking --disable-component-update --disable-sync
         --proxy-server=127.0.0.1:9 --host-resolver-rules="MAP * ~NOTFOUND"
         --enable-logging=stderr --v=0 --user-data-dir="$tmp/profile")
url="file://$tmp/rep/report.html"
timeout 120 "$browser" "${offline[@]}" --dump-dom "$url" >"$tmp/dom.html" 2>"$tmp/dom.err"
timeout 120 "$browser" "${offline[@]}" --window-size=1280,2000 --screenshot="$art/report.png" "$url" \
  >/dev/null 2>"$tmp/shot.err"

fail=0
need() {  # description, then a command that must succeed
  local what=$1; shift
  if "$@"; then echo "ok: $what"; else echo "FAIL: $what"; fail=1; fi
}
need "the DOM was dumped" test -s "$tmp/dom.html"
for name in alice-excerpt.txt pride-excerpt.txt; do
  need "the DOM names $name" grep -q "$name" "$tmp/dom.html"
done
need "the DOM holds the training excerpt" grep -q "Either the well was very deep" "$tmp/dom.html"
need "the DOM holds the upper-cased excerpt with highlights" grep -q '<mark class="q">' "$tmp/dom.html"
need "the hostile <img> is shown as text" grep -q '&lt;img src=x onerror=alert(1)&gt;' "$tmp/dom.html"
need "and is no element" bash -c "! grep -q '<img' '$tmp/dom.html'"
need "no console messages (no blocked or failed request)" bash -c "! grep -h 'CONSOLE\|net::ERR_' '$tmp/dom.err' '$tmp/shot.err'"
need "a screenshot PNG was written" python3 -c "
b = open('$art/report.png', 'rb').read()
assert b[:8] == b'\x89PNG\r\n\x1a\n' and len(b) > 10000, len(b)"
[ $fail = 0 ] || { sed 's/^/  | /' "$tmp/dom.err" | grep -v dbus | head -20; }
echo "screenshot: $art/report.png"
exit $fail
