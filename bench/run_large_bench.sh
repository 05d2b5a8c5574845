#!/usr/bin/env bash
# bench/run_large_bench.sh: the whole pipeline at scale (issue 4's benchmark).
# Generates WORKS works of about WORDS words each (default 1,000 x 100,000 = 100 M words) as
# .txt, with a generator of text with natural word frequencies (bench/markov.py), trained on natural text (../shared/corpus/texts/en
# when present, else fixtures/), and SHARD_MB of .jsonl.zst shards (default 1,000 MB) of Markov
# text from another stream with passages of the works planted in 1 document in 10. Then times
# `provaudit ingest` and `provaudit scan` (1 and all threads) with /usr/bin/time and prints MB/s
# per core, peak RSS, index size and what the scan found.
# Usage: bench/run_large_bench.sh BUILD_DIR [WORKS=1000] [WORDS=100000] [SHARD_MB=1000] [DIR]
# PROV_BENCH_REUSE=1 reuses the works and shards already in DIR (to compare two builds).
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
works=${2:-1000}
words=${3:-100000}
shard_mb=${4:-1000}
work=${5:-/tmp/provaudit-large-bench}
root=$(cd "$(dirname "$0")/.." && pwd)
bin="$build/provaudit"
train=("$root"/fixtures/works/alice-excerpt.txt "$root"/fixtures/works/pride-excerpt.txt "$root"/fixtures/filler/moby-excerpt.txt)
[ -d "$root/../shared/corpus/texts/en" ] && train=("$root"/../shared/corpus/texts/en/*.body.txt)
py="$root/bench/markov.py"
if [ "${PROV_BENCH_REUSE:-0}" = 1 ] && [ -d "$work/works" ] && [ -d "$work/shards" ]; then
  # Reuse the corpus a previous run generated (the same seeds give the same files); drop
  # only the index and runs, so two builds can be compared on identical inputs.
  rm -rf "$work/idx" "$work"/run*
  echo "reusing $(ls "$work/works" | wc -l) works and $(ls "$work/shards" | wc -l) shards in $work"
else
rm -rf "$work"; mkdir -p "$work/works" "$work/shards"
echo "generating $works works of $words words..."
python3 "$py" works "$work/works" 0 2 "$works" "$words" "${train[@]}" &
python3 "$py" works "$work/works" 1 2 "$works" "$words" "${train[@]}"
wait
echo "generating ${shard_mb} MB of shards..."
python3 "$py" shards "$work/shards" "$work/works" "$shard_mb" "${train[@]}"
fi
# Text in MB of 10^6 bytes, as the scan lines count it (du -sm gave MiB of disk blocks, 4.5 %
# fewer: ingest figures before 2026-11-29's second pass are in those units).
works_mb=$(python3 -c "import os,sys; d=sys.argv[1]; print(round(sum(os.path.getsize(os.path.join(d,f)) for f in os.listdir(d))/1e6,1))" "$work/works")
echo "works: $(ls "$work/works" | wc -l) files, ${works_mb} MB"
measure() {  # label, command...
  local label=$1; shift
  /usr/bin/time -f "%e %M %U %S" -o "$work/time" "$@" >"$work/last.out" 2>"$work/last.err" || true
  read -r wall rss user sys <"$work/time"
  echo "$label: wall ${wall} s, cpu $(python3 -c "print(round($user+$sys,1))") s, peak RSS $((rss / 1024)) MB"
}
measure "ingest (all threads)" "$bin" ingest -q --index "$work/idx" "$work/works"
tail -1 "$work/last.out"
read -r wall rss user sys <"$work/time"
python3 -c "print(f'  {$works_mb} MB of text: {$works_mb/($user+$sys):.1f} MB/s per core (cpu time), index {int(__import__(\"subprocess\").check_output([\"du\",\"-sm\",\"$work/idx\"]).split()[0])} MB on disk')"
for t in 1 $(nproc); do
  measure "scan threads=$t" "$bin" scan -q --index "$work/idx" --out "$work/run$t" --threads "$t" "$work"/shards/*.jsonl.zst
  read -r wall rss user sys <"$work/time"
  python3 - "$work/run$t/summary.json" "$wall" "$user" "$sys" "$t" <<'PY'
import json, sys
s = json.load(open(sys.argv[1])); wall, user, sysc, t = map(float, sys.argv[2:])
mb = sum(x["text_bytes"] for x in s["shards"]) / 1e6
print(f"  {mb:.0f} MB of text: {mb/wall:.1f} MB/s, {mb/wall/t:.1f} MB/s per thread (wall), {mb/(user+sysc):.1f} MB/s per cpu-second; "
      f"{s['totals']['passages']} passages in {s['totals']['documents_matched']} documents from {s['totals']['works_matched']} works")
# markov.py plants a passage in every document whose id is a multiple of 10 and nowhere else.
docs = {"planted": set(), "other": set()}
other_passages = 0
for line in open(sys.argv[1].replace("summary.json", "matches.jsonl")):
    m = json.loads(line)
    planted = int(m["doc_id"]) % 10 == 0
    docs["planted" if planted else "other"].add((m["shard"], m["doc_id"]))
    other_passages += (not planted) and m["kind"] == "passage"
print(f"  planted documents with a finding: {len(docs['planted'])}; findings in unplanted documents: "
      f"{len(docs['other'])} documents, {other_passages} passages (false attributions)")
PY
done
