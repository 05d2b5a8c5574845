#!/usr/bin/env bash
# Layering rules as a test: each stage includes only itself, upstream stages and common/, and
# never another stage's detail/ headers.
set -u
root=${1:-.}
order=(common ingest fingerprint index audit reports gate demo eval)
declare -A rank
for i in "${!order[@]}"; do rank[${order[$i]}]=$i; done
# scale/ (plan/task/merge, Slurm) sits after every other stage.
rank[scale]=${#order[@]}; order+=(scale)
# fingerprint does not depend on ingest (both sit right after common); model that explicitly.
allowed() {  # stage dep
  local s=$1 d=$2
  [ "$d" = "$s" ] && return 0
  [ "$d" = common ] && return 0
  case "$s" in
    ingest|fingerprint) return 1 ;;
  esac
  [ "${rank[$d]}" -lt "${rank[$s]}" ]
}
fail=0
for s in "${order[@]}"; do
  [ -d "$root/$s" ] || continue
  while IFS= read -r line; do
    file=${line%%:*}
    inc=$(sed -E 's/.*#include "([^"]+)".*/\1/' <<<"$line")
    dep=${inc%%/*}
    [ -n "${rank[$dep]+x}" ] || continue
    if ! allowed "$s" "$dep"; then
      echo "layering: $file includes $inc ($s may not depend on $dep)"; fail=1
    fi
    if [ "$dep" != "$s" ] && [[ "$inc" == */detail/* ]]; then
      echo "layering: $file includes another stage's private header $inc"; fail=1
    fi
  done < <(grep -rHn '#include "' "$root/$s" --include='*.cpp' --include='*.hpp')
done
# The CLI sees stage front doors only.
if grep -rn '#include "[a-z]*/detail/' "$root/cli" 2>/dev/null; then
  echo "layering: cli/ includes a private detail/ header"; fail=1
fi
[ $fail = 0 ] && echo "layering: ok"
exit $fail
