#!/usr/bin/env bash
# tests/scale/scale_cli_test.sh: plan / scan --plan --task / merge / slurm submit --dry-run through
# the CLI: exit codes (CONTRACT: 0, 2 refusing, 3 incomplete), messages naming the task, and
# the sbatch scripts and commands `slurm submit` would run. No Slurm needed.
#   scale_cli_test.sh PROVAUDIT
set -euo pipefail
P=$(realpath "$1")
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cd "$T"
fail() { echo "FAIL: $*" >&2; exit 1; }
expect_rc() {  # rc command...
  local want=$1 got=0; shift
  "$@" >out.txt 2>err.txt || got=$?
  [ "$got" = "$want" ] || { cat out.txt err.txt; fail "exit $got, expected $want: $*"; }
}

"$P" demo --out demo >/dev/null 2>&1
expect_rc 0 "$P" plan --help
grep -q 'contiguous' out.txt || fail "plan --help does not explain the split"
expect_rc 0 "$P" merge --help
expect_rc 0 "$P" slurm submit --help

# Patterns are expanded by the plan (quoted: the shell leaves them alone).
expect_rc 0 "$P" plan --tasks 2 --out plan.json 'demo/shards/*.jsonl*'
grep -q '"tasks": 2' plan.json || fail "plan does not have 2 tasks"
expect_rc 2 "$P" plan --tasks 2 --out nope.json 'demo/none/*.jsonl'
grep -q '^provaudit: .*no file matches' err.txt || fail "no message for an empty pattern"

# Scan needs shards or --plan, not both; --task must be in the plan.
expect_rc 2 "$P" scan --index demo/index --out run
expect_rc 2 "$P" scan --index demo/index --plan plan.json --task 5 --out run
grep -q 'task 5 is not in the plan' err.txt || fail "no message for a task outside the plan"

# Merge refuses while a part is missing, naming it.
expect_rc 0 "$P" scan --index demo/index --plan plan.json --task 0 --out run
expect_rc 2 "$P" merge run
grep -q 'task 1 (no part)' err.txt || fail "merge does not name the missing task"
[ ! -e run/summary.json ] || fail "merge wrote a summary while refusing"
expect_rc 0 "$P" scan --index demo/index --plan plan.json --task 1 --out run --threads 1
expect_rc 0 "$P" scan --index demo/index --plan plan.json --task 1 --out run
grep -q 'part up to date' out.txt || fail "rerun did not skip the part"
expect_rc 0 "$P" merge run
expect_rc 0 "$P" scan -q --index demo/index --out single demo/shards/*.jsonl*
for f in matches.jsonl summary.json errors.jsonl; do cmp run/$f single/$f || fail "$f differs from one scan's"; done

# Other parameters for one task: merge refuses the mix (exit 2), naming the task.
expect_rc 0 "$P" scan --index demo/index --plan plan.json --task 1 --out run --min-words 40
expect_rc 2 "$P" merge run
grep -q 'task 1' err.txt || fail "merge does not name the task with other parameters"

# A corrupt shard: its task exits 3, merge writes the result and exits 3, saying so.
cp demo/shards/* .
printf 'not gzip at all' > broken.jsonl.gz
expect_rc 0 "$P" plan --tasks 2 --out plan2.json web-a.jsonl broken.jsonl.gz web-b.jsonl.gz web-c.jsonl.zst
for t in 0 1; do
  rc=0; "$P" scan --index demo/index --plan plan2.json --task $t --out run2 >/dev/null 2>err$t.txt || rc=$?
  echo "$rc" > rc$t.txt
done
# (grep reads the files itself: `cat ... | grep -q` under pipefail fails whenever grep exits
# before cat has written the second file, and cat dies of SIGPIPE.)
grep -qx 3 rc0.txt rc1.txt || fail "no task exited 3 for the corrupt shard"
grep -q 'broken.jsonl.gz' err0.txt err1.txt || fail "the task does not name the corrupt shard"
expect_rc 3 "$P" merge run2
grep -q 'NOT complete' err.txt || fail "merge does not say the result is incomplete"
grep -q 'broken.jsonl.gz' run2/errors.jsonl || fail "errors.jsonl does not name the corrupt shard"

# slurm submit --dry-run: two arrays for MaxArraySize 1, task offsets, afterok merge.
expect_rc 0 "$P" plan --tasks 3 --out plan3.json demo/shards/*.jsonl*
expect_rc 0 "$P" slurm submit --index demo/index --plan plan3.json --out run3 --max-array-size 2 \
  --partition batch --time 30 --mem 4G --cpus-per-task 2 --min-words 30 --dry-run -- --account=acme
grep -q -- "--array=0-1 .*scan.sbatch 0$" out.txt || fail "first array: $(cat out.txt)"
grep -q -- "--array=0-0 .*scan.sbatch 2$" out.txt || fail "second array should start at task 2"
grep -q -- "--dependency=afterok:ARRAY:ARRAY --kill-on-invalid-dep=yes" out.txt || fail "merge dependency"
grep -q -- "--partition=batch --time=30 --mem=4G --cpus-per-task=2 --account=acme" out.txt || fail "sbatch options"
grep -q "^'$P' scan --index 'demo/index' --plan 'plan3.json' --task \"\$task\" --out 'run3' --quiet '--min-words' '30'" \
  run3/slurm/scan.sbatch || fail "scan.sbatch command: $(cat run3/slurm/scan.sbatch)"
grep -q "^'$P' merge 'run3'" run3/slurm/merge.sbatch || fail "merge.sbatch command"
bash -n run3/slurm/scan.sbatch && bash -n run3/slurm/merge.sbatch || fail "sbatch scripts are not valid bash"
expect_rc 2 "$P" slurm submit --index demo/index --plan plan3.json --out run3 --tasks 4 --dry-run
grep -q 'the plan has 3 tasks' err.txt || fail "--tasks mismatch not refused"
# The scan script, run by hand as Slurm would, scans task offset + SLURM_ARRAY_TASK_ID.
SLURM_ARRAY_TASK_ID=0 bash run3/slurm/scan.sbatch 2 >/dev/null
[ -f run3/parts/task-0002/part.json ] || fail "scan.sbatch 2 did not write task 2's part"
[ "$(cat run3/slurm/rc/task-0002.rc)" = 0 ] || fail "scan.sbatch did not record its exit code"
echo "scale cli: ok"
