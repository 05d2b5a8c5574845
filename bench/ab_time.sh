#!/usr/bin/env bash
# bench/ab_time.sh: compare two builds on a noisy machine. Runs BIN_A and BIN_B alternately N
# times with the same arguments and prints each one's CPU time (perf stat task-clock, ms): all
# runs and the minimum, which is the figure to compare (this project's machines drift by a
# third between quiet and busy minutes; a single whole benchmark cannot show a 10 % change).
# Usage: bench/ab_time.sh N BIN_A BIN_B ARGS...
#   e.g. bench/ab_time.sh 6 /tmp/old/provaudit build/provaudit scan -q --index IDX --out /tmp/r --threads 1 SHARD
set -euo pipefail
n=$1 a=$2 b=$3
shift 3
command -v perf >/dev/null || { echo "ab_time.sh: needs perf (apt-get install linux-perf)" >&2; exit 2; }
for _ in $(seq "$n"); do
  for x in A B; do
    bin=$a
    [ "$x" = B ] && bin=$b
    ms=$(perf stat -x, -e task-clock "$bin" "$@" 2>&1 >/dev/null | grep task-clock | cut -d, -f1)
    echo "$x $ms"
  done
done | awk '{ v[$1] = v[$1] " " int($2); if (!($1 in m) || $2 < m[$1]) m[$1] = $2 }
            END { for (k in m) printf "%s (%s): min %d ms, all%s\n", k, (k == "A" ? "'"$a"'" : "'"$b"'"), m[k], v[k] }' | sort
