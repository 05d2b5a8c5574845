#!/usr/bin/env bash
# bench/run_scan_bench.sh: whole-pipeline cost of the real CLI on real text.
# Indexes the English and Russian texts of ../shared/corpus (or fixtures/ if absent), writes
# a .jsonl.zst shard of about MB megabytes of uncompressed text (natural text from works left
# out of the index, with passages of indexed works planted in 1 document in 10), then times
# `provaudit ingest` and `provaudit scan` at 1 and 2 threads with /usr/bin/time.
# Usage: bench/run_scan_bench.sh BUILD_DIR [MB=200] [WORKDIR=/tmp/provaudit-bench]
set -euo pipefail
build=${1:-build}
mb=${2:-200}
work=${3:-/tmp/provaudit-bench}
root=$(cd "$(dirname "$0")/.." && pwd)
bin="$build/provaudit"
rm -rf "$work"; mkdir -p "$work/works"
corpus="$root/../shared/corpus/texts"
if [ -d "$corpus" ]; then
  # Indexed: all English and Russian texts except the ones used as filler.
  for f in "$corpus"/en/*.txt "$corpus"/ru/*.txt; do
    case "$(basename "$f")" in pg2701.body.txt|pg4300.txt|pg98.body.txt) continue ;; esac
    cp "$f" "$work/works/"
  done
  filler=("$corpus/en/pg2701.body.txt" "$corpus/en/pg4300.txt" "$corpus/en/pg98.body.txt")
else
  cp "$root"/fixtures/works/*.txt "$work/works/"
  filler=("$root/fixtures/filler/moby-excerpt.txt")
fi
measure() {  # label, command...
  local label=$1; shift
  /usr/bin/time -f "%e %M %U %S" -o "$work/time" "$@" >"$work/last.out" 2>"$work/last.err" || true
  read -r wall rss user sys <"$work/time"
  echo "$label wall_s=$wall peak_rss_mb=$((rss / 1024)) cpu_s=$(python3 -c "print(round($user+$sys,2))")"
}
measure "ingest" "$bin" ingest -q --index "$work/idx" "$work/works"
in_mb=$(du -sm "$work/works" | cut -f1)
python3 - "$work" "$mb" "${filler[@]}" <<'PY'
import json, random, sys, os, subprocess, glob
work, mb = sys.argv[1], int(sys.argv[2])
filler = [w for f in sys.argv[3:] for w in open(f, encoding="utf-8-sig").read().split()]
works = [open(f, encoding="utf-8-sig").read().split() for f in sorted(glob.glob(f"{work}/works/*.txt"))]
rnd = random.Random(1)
out = open(f"{work}/shard.jsonl", "w", encoding="utf-8")
total, n = 0, 0
target = mb * 1000 * 1000
while total < target:
    i = rnd.randrange(0, len(filler) - 800)
    words = filler[i:i + rnd.randrange(200, 800)]
    if n % 10 == 0:
        w = works[rnd.randrange(len(works))]
        j = rnd.randrange(0, len(w) - 300)
        k = rnd.randrange(len(words))
        words = words[:k] + w[j:j + rnd.randrange(30, 300)] + words[k:]
    text = " ".join(words)
    out.write(json.dumps({"id": f"d{n}", "text": text}, ensure_ascii=False) + "\n")
    total += len(text.encode("utf-8"))
    n += 1
out.close()
print(f"shard: {n} documents, {total/1e6:.1f} MB of text")
PY
zstd -q -f -3 "$work/shard.jsonl" -o "$work/shard.jsonl.zst" && rm "$work/shard.jsonl"
text_mb=$(python3 -c "import json; s=json.load(open('/dev/stdin')); print(s['shards'][0]['text_bytes']/1e6)" < <(
  "$bin" scan -q --index "$work/idx" --out "$work/run0" --threads 2 "$work/shard.jsonl.zst" >/dev/null; cat "$work/run0/summary.json"))
for t in 1 2; do
  measure "scan threads=$t" "$bin" scan -q --index "$work/idx" --out "$work/run$t" --threads "$t" "$work/shard.jsonl.zst"
  read -r wall rss user sys <"$work/time"
  python3 -c "print(f'  {$text_mb:.1f} MB of JSONL text in {$wall} s: {$text_mb/$wall:.2f} MB/s, {$text_mb/$wall/$t:.2f} MB/s per core, peak RSS {$rss/1024:.0f} MB')"
done
cmp "$work/run1/matches.jsonl" "$work/run2/matches.jsonl" && echo "matches identical at 1 and 2 threads"
grep -E '"(passages|works_matched|records)"' "$work/run2/summary.json"
echo "works indexed: ${in_mb} MB"
