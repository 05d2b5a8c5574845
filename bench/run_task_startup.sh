#!/usr/bin/env bash
# bench/run_task_startup.sh: what a plan task pays before it scans (index open, posting table
# and near-duplicate sketch load) against what scanning costs, with the real CLI under
# /usr/bin/time (user + system CPU: the machine may be shared, so wall time is noisy).
# Usage: bench/run_task_startup.sh BUILD_DIR INDEX SHARD [WORKDIR]
#   start-up = `scan` of a one-record shard; scan = `scan` of SHARD; both at --threads 1.
set -euo pipefail
build=$1 idx=$2 shard=$3
work=${4:-$(mktemp -d /tmp/provaudit-startup.XXXXXX)}
mkdir -p "$work"
bin="$build/provaudit"
printf '{"id":"1","text":"one short record"}\n' > "$work/one.jsonl"
for i in 1 2 3; do
  /usr/bin/time -f "%e %M %U %S" -o "$work/time" "$bin" scan -q --threads 1 --index "$idx" --out "$work/r0" \
    "$work/one.jsonl" >/dev/null 2>&1 || true
  read -r wall rss user sys <"$work/time"
  awk -v w="$wall" -v r="$rss" -v u="$user" -v s="$sys" \
    'BEGIN { printf "start-up   cpu_s=%.2f wall_s=%.2f peak_rss_mb=%d\n", u + s, w, r / 1024 }'
done
/usr/bin/time -f "%e %M %U %S" -o "$work/time" "$bin" scan -q --threads 1 --index "$idx" --out "$work/r1" \
  "$shard" >/dev/null 2>&1 || true
read -r wall rss user sys <"$work/time"
text=$(grep -o '"text_bytes": [0-9]*' "$work/r1/summary.json" | head -1 | grep -o '[0-9]*$')
awk -v w="$wall" -v r="$rss" -v u="$user" -v s="$sys" -v t="$text" \
  'BEGIN { printf "scan       cpu_s=%.2f wall_s=%.2f peak_rss_mb=%d text_mb=%.1f (%.1f MB per CPU-second)\n", u + s, w, r / 1024, t / 1e6, t / 1e6 / (u + s) }'
echo "index: $(du -sm "$idx" | cut -f1) MB on disk, $(grep -c . <("$bin" works --index "$idx" 2>/dev/null) || true) lines of \`works\`"
