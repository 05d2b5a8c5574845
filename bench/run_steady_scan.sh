#!/usr/bin/env bash
# bench/run_steady_scan.sh: a scan's start-up cost and its steady-state rate, separated.
# A scan of one shard pays the start-up (mapping and checking the index's tables, opening
# RocksDB) once against one shard's text; a 10 TB scan pays it once against all of it. This
# scans SHARD alone and SHARD twice (a second copy under another name), ROUNDS times in
# alternation, and takes the least CPU time (user + sys) of each: start-up = 2 x one - two,
# steady state = one shard's text / (two - one). Each round also times `zstd -d` of the shard
# (when it is a .zst and the zstd CLI is there) as a yardstick for the machine's speed at that
# moment: on shared virtual machines it drifts by up to 2x within the hour.
# Usage: bench/run_steady_scan.sh BUILD_DIR INDEX SHARD [ROUNDS=5] [THREADS=1]
# (e.g. the large benchmark's index and a shard of bench/make_real_shard.py)
set -euo pipefail
build=$(cd "${1:?BUILD_DIR}" && pwd)
index=${2:?INDEX}
shard=${3:?SHARD}
rounds=${4:-5}
threads=${5:-1}
bin="$build/provaudit"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
name=$(basename "$shard")
ln -s "$(realpath "$shard")" "$work/a-$name"
cp "$shard" "$work/b-$name"  # a copy, so the page cache does not serve it as the same file
cpu() {  # command...: CPU seconds (user + sys)
  /usr/bin/time -f "%U %S" -o "$work/time" "$@" >/dev/null 2>"$work/err" || {
    cat "$work/err" >&2
    exit 2
  }
  awk '{print $1 + $2}' "$work/time"
}
one=() two=() zs=()
for r in $(seq "$rounds"); do
  one+=("$(cpu "$bin" scan -q --index "$index" --threads "$threads" --out "$work/one" "$work/a-$name")")
  two+=("$(cpu "$bin" scan -q --index "$index" --threads "$threads" --out "$work/two" "$work/a-$name" "$work/b-$name")")
  if [[ "$shard" == *.zst ]] && command -v zstd >/dev/null; then
    zs+=("$(cpu zstd -q -d -c "$shard")")
  fi
  echo "round $r: one shard ${one[-1]} CPU-s, two shards ${two[-1]} CPU-s${zs:+, zstd -d ${zs[-1]} CPU-s}" >&2
done
python3 - "$work/one/summary.json" "$threads" "${one[*]}" "${two[*]}" "${zs[*]:-}" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
mb = sum(x["text_bytes"] for x in s["shards"]) / 1e6
threads = int(sys.argv[2])
one, two = min(map(float, sys.argv[3].split())), min(map(float, sys.argv[4].split()))
steady = two - one
print(f"shard: {mb:.1f} MB of text, {s['totals']['records']} records; scan --threads {threads}, least CPU of {len(sys.argv[3].split())} rounds")
print(f"one shard: {one:.2f} CPU-s ({mb / one:.1f} MB per CPU-second, start-up included)")
print(f"two shards: {two:.2f} CPU-s ({2 * mb / two:.1f} MB per CPU-second)")
print(f"start-up: {2 * one - two:.2f} CPU-s; steady state: {steady:.2f} CPU-s a shard, {mb / steady:.1f} MB per CPU-second")
if sys.argv[5].strip():
    z = min(map(float, sys.argv[5].split()))
    print(f"zstd -d of the shard at the same moments: {z:.2f} CPU-s ({mb / z:.0f} MB/s); "
          f"the scan's steady state is {steady / z:.1f}x that")
PY
