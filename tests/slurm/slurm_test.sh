#!/usr/bin/env bash
# tests/slurm/slurm_test.sh: provaudit on a real one-node Slurm cluster (CI only, not ctest).
#
#   slurm_test.sh PROVAUDIT [--install]
#
# Brings up Debian's munged, slurmctld and slurmd by hand (no systemd) on 127.0.0.1, with
# every file in a private temporary directory, MaxArraySize=5 so that an 8-task plan needs two
# arrays. Then:
#   1. 9 shards (.jsonl, .jsonl.gz, .jsonl.zst) cut from the demo corpus (planted passages of
#      the demo's works), `plan --tasks 8`, `slurm submit`: every task and the merge complete,
#      and the merged files are byte-identical to one `provaudit scan` of the same shards.
#   2. The same again with one corrupt shard: its task records it (exit 3, passed to Slurm as
#      0 so the merge runs), the merge writes the result but exits 3, `slurm status` says it is
#      not complete, and the files are those of one scan (which also exits 3).
#   3. Submitting run 1 again: every part is up to date, no task scans again.
#   4. A shard changed after planning: its task fails (exit 2), the afterok merge is cancelled
#      (--kill-on-invalid-dep=yes) and `slurm status` says so.
# Every daemon is stopped by PID on exit, also on failure or a signal. Adapted from
# ../shared/slurm/slurm-local.sh (see its NOTES.md for the pitfalls each step avoids).
set -euo pipefail
PROVAUDIT=$(realpath "${1:?usage: slurm_test.sh PROVAUDIT [--install]}")
INSTALL=0
[ "${2:-}" = --install ] && INSTALL=1
ROOT=$(cd "$(dirname "$0")/../.." && pwd)

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", (b - a) / 1000 }'; }
log() { printf '[slurm_test %s] %s\n' "$(date +%T)" "$*"; }
die() { log "FAIL: $*"; exit 1; }
T_START=$(now_ms)

# ---------------------------------------------------------------- install
need=(munged mungekey slurmctld slurmd sbatch squeue scontrol sinfo scancel ss zstd gzip)
missing=0
for c in "${need[@]}"; do command -v "$c" >/dev/null || missing=1; done
if [ "$missing" = 1 ]; then
  [ "$INSTALL" = 1 ] || die "Slurm or munge missing (run with --install)"
  t0=$(now_ms)
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  # Package postinsts call invoke-rc.d; without an init system a policy-rc.d that answers 101
  # keeps them from starting system-wide daemons that nobody would stop.
  made_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
    $SUDO chmod 755 /usr/sbin/policy-rc.d; made_policy=1
  fi
  apt_rc=0
  { $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q -o DPkg::Lock::Timeout=300 \
      --no-install-recommends slurmctld slurmd slurm-client munge iproute2 zstd gzip >/dev/null; } || apt_rc=$?
  [ "$made_policy" = 1 ] && $SUDO rm -f /usr/sbin/policy-rc.d
  [ "$apt_rc" = 0 ] || die "apt-get failed (rc=$apt_rc)"
  log "install: $(secs "$t0" "$(now_ms)") s"
fi
[ "$(id -u)" -eq 0 ] || die "needs root (SlurmUser=root, private munged)"

# ---------------------------------------------------------------- layout
W=$(mktemp -d /tmp/provaudit-slurm.XXXXXX)
chmod 755 "$W"  # munged wants every directory on its socket path executable by all
mkdir -p "$W/munge" "$W/state" "$W/spool" "$W/log" "$W/work"
chmod 755 "$W/munge"
SOCK="$W/munge/munge.socket.2"
export SLURM_CONF="$W/slurm.conf"
PORT=${SLURM_TEST_PORT:-16817}
port_busy() { ss -Hltn "sport = :$1" | grep -q .; }
while port_busy "$PORT" || port_busy $((PORT + 1)); do PORT=$((PORT + 2)); done

PIDS=(); NAMES=()
cleanup() {
  local rc=$? i p
  set +e
  trap - EXIT INT TERM
  local t_stop; t_stop=$(now_ms)
  if [ "${#PIDS[@]}" -ge 2 ]; then
    # Jobs first, so no slurmstepd (re-parented to PID 1) outlives the daemons.
    scancel --quiet --user="$(id -un)" 2>/dev/null
    for _ in $(seq 1 60); do [ -z "$(squeue -h -o %i 2>/dev/null)" ] && break; sleep 0.5; done
  fi
  for (( i=${#PIDS[@]}-1; i>=0; i-- )); do
    p=${PIDS[$i]}
    kill -0 "$p" 2>/dev/null || continue
    kill -TERM "$p"
    for _ in $(seq 1 60); do kill -0 "$p" 2>/dev/null || break; sleep 0.25; done
    kill -0 "$p" 2>/dev/null && { log "${NAMES[$i]} ($p) ignored TERM; KILL"; kill -KILL "$p"; }
    wait "$p" 2>/dev/null
    log "stopped ${NAMES[$i]} (pid $p)"
  done
  log "stop: $(secs "$t_stop" "$(now_ms)") s"
  if [ "$rc" != 0 ]; then
    log "FAILED (rc=$rc); logs:"
    tail -n 20 "$W"/log/*.log 2>/dev/null
    for f in $(ls -t "$W"/work/*/slurm/logs/*.out 2>/dev/null | head -n 6); do echo "== $f"; tail -n 10 "$f"; done
  fi
  rm -rf "$W"
  log "total: $(secs "$T_START" "$(now_ms)") s, rc=$rc"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

start_bg() {  # name, command...: the daemon runs in the foreground, so $! is its PID
  local name=$1; shift
  "$@" >"$W/log/$name.stdout" 2>&1 &
  PIDS+=($!); NAMES+=("$name")
}

# ---------------------------------------------------------------- daemons
T_DAEMONS=$(now_ms)
mungekey --create --keyfile="$W/munge/munge.key" >/dev/null 2>&1 ||
  dd if=/dev/urandom of="$W/munge/munge.key" bs=1 count=1024 status=none
chmod 400 "$W/munge/munge.key"
start_bg munged munged --foreground --socket="$SOCK" --key-file="$W/munge/munge.key" \
  --pid-file="$W/munge/munged.pid" --log-file="$W/log/munged.log" --seed-file="$W/munge/munged.seed" \
  --origin=127.0.0.1
for _ in $(seq 1 40); do [ -S "$SOCK" ] && break; sleep 0.25; done
[ -S "$SOCK" ] || die "munged did not start"
COMM="# hostname is not loopback: daemons bind 0.0.0.0 (clients still use localhost)"
case "$(getent ahostsv4 "$(hostname)" 2>/dev/null | awk 'NR==1{print $1}')" in
  127.*) COMM="CommunicationParameters=NoCtldInAddrAny,NoInAddrAny" ;;
esac
# RealMemory (MB) below what slurmd measures, so that --mem requests can be met.
MEM_MB=$(awk '/^MemTotal:/ { print int($2 / 1024 * 0.8) }' /proc/meminfo)
cat > "$SLURM_CONF" <<CONF
ClusterName=provaudit-test
SlurmctldHost=localhost
SlurmctldPort=$PORT
SlurmdPort=$((PORT + 1))
$COMM
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$SOCK
StateSaveLocation=$W/state
SlurmdSpoolDir=$W/spool
SlurmctldPidFile=$W/slurmctld.pid
SlurmdPidFile=$W/slurmd.pid
SlurmctldLogFile=$W/log/slurmctld.log
SlurmdLogFile=$W/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SwitchType=switch/none
MailProg=/bin/true
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
SchedulerParameters=batch_sched_delay=0
MinJobAge=300
ReturnToService=2
# Small on purpose: an 8-task plan must be submitted as two arrays (0-4 and 0-2 from task 5).
MaxArraySize=5
NodeName=localhost CPUs=$(nproc) RealMemory=$MEM_MB State=UNKNOWN
PartitionName=local Nodes=localhost Default=YES MaxTime=INFINITE State=UP
CONF
start_bg slurmctld slurmctld -D -f "$SLURM_CONF"
start_bg slurmd slurmd -D -N localhost -f "$SLURM_CONF"
ready=0
for _ in $(seq 1 120); do
  if sinfo -h -n localhost -o %T 2>/dev/null | grep -qx idle; then ready=1; break; fi
  for i in "${!PIDS[@]}"; do kill -0 "${PIDS[$i]}" 2>/dev/null || die "${NAMES[$i]} exited early"; done
  sleep 0.25
done
[ "$ready" = 1 ] || die "node never became idle"
log "daemons ready: $(secs "$T_DAEMONS" "$(now_ms)") s (ports $PORT,$((PORT + 1)))"

# ---------------------------------------------------------------- corpus
cd "$W/work"
"$PROVAUDIT" demo --out demo >/dev/null
{ cat demo/shards/*.jsonl; gzip -dc demo/shards/*.jsonl.gz; zstd -qdc demo/shards/*.jsonl.zst; } > all.jsonl
mkdir -p shards
split -n l/9 -d -a 2 all.jsonl shards/s-
i=0
for f in shards/s-*; do
  case $((i % 3)) in
    0) mv "$f" "$f.jsonl" ;;
    1) gzip -n "$f"; mv "$f.gz" "$f.jsonl.gz" ;;
    2) zstd -q --rm "$f" -o "$f.jsonl.zst" ;;
  esac
  i=$((i + 1))
done
SHARDS=(shards/s-*)
[ "${#SHARDS[@]}" -eq 9 ] || die "expected 9 shards, made ${#SHARDS[@]}"
log "corpus: ${#SHARDS[@]} shards, $(wc -l < all.jsonl) records"

# wait_jobs RUN: until none of the run's jobs is pending or running (polling squeue: see
# NOTES.md on why not `sbatch --wait`).
wait_jobs() {
  local ids deadline=$(( $(date +%s) + 300 ))
  ids=$(grep -o '"job_id": "[0-9]*"\|"merge_job_id": "[0-9]*"' "$1/slurm/jobs.json" | grep -o '[0-9]*' | paste -sd,)
  while [ -n "$(squeue -h -j "$ids" -o %i 2>/dev/null)" ]; do
    [ "$(date +%s)" -lt "$deadline" ] || die "jobs $ids still queued after 300 s"
    sleep 0.5
  done
}
same_as_single() {  # RUN SINGLE
  local f
  for f in matches.jsonl summary.json errors.jsonl; do
    cmp -s "$1/$f" "$2/$f" || die "$1/$f differs from the single-process scan's"
  done
}

# ---------------------------------------------------------------- 1. clean run
T1=$(now_ms)
"$PROVAUDIT" plan --tasks 8 --out plan1.json "${SHARDS[@]}"
"$PROVAUDIT" slurm submit --index demo/index --plan plan1.json --out run1 --tasks 8 --cpus-per-task 1 \
  --time 10 --mem 1G | tee submit1.txt
[ "$(grep -c '^scan array' submit1.txt)" = 2 ] || die "expected two arrays (MaxArraySize=5)"
grep -q 'tasks 5-7' submit1.txt || die "second array does not start at task 5"
wait_jobs run1
T1_DONE=$(now_ms)
"$PROVAUDIT" slurm status run1 | tee status1.txt || die "slurm status: merge not done"
[ "$(grep -c '^task .* done ' status1.txt)" = 8 ] || die "not all 8 tasks done"
[ "$(cat run1/slurm/rc/merge.rc)" = 0 ] || die "merge exit $(cat run1/slurm/rc/merge.rc)"
"$PROVAUDIT" scan -q --index demo/index --out single1 "${SHARDS[@]}" >/dev/null
same_as_single run1 single1
[ "$(wc -l < run1/matches.jsonl)" -gt 20 ] || die "too few matches: $(wc -l < run1/matches.jsonl)"
log "run 1: 8 tasks in 2 arrays + merge: $(secs "$T1" "$T1_DONE") s; $(wc -l < run1/matches.jsonl) matches, byte-identical to one scan"

# ---------------------------------------------------------------- 2. a corrupt shard
T2=$(now_ms)
printf '\x28\xb5\x2f\xfd this is not a zstd frame' > shards/s-99-corrupt.jsonl.zst
SHARDS2=("${SHARDS[@]}" shards/s-99-corrupt.jsonl.zst)
"$PROVAUDIT" plan --tasks 8 --out plan2.json "${SHARDS2[@]}" >/dev/null
"$PROVAUDIT" slurm submit --index demo/index --plan plan2.json --out run2 >/dev/null
wait_jobs run2
set +e
"$PROVAUDIT" slurm status run2 > status2.txt; st_rc=$?
"$PROVAUDIT" scan -q --index demo/index --out single2 "${SHARDS2[@]}" >/dev/null 2>&1; single_rc=$?
set -e
cat status2.txt
[ "$st_rc" = 3 ] || die "slurm status exit $st_rc, expected 3 (merge incomplete)"
grep -q '^merge: done-incomplete' status2.txt || die "status does not say the merge is incomplete"
grep -q '^task    7  done-incomplete' status2.txt || die "task 7 (the corrupt shard's) not reported"
[ "$(cat run2/slurm/rc/merge.rc)" = 3 ] || die "merge exit $(cat run2/slurm/rc/merge.rc), expected 3"
grep -q 's-99-corrupt.jsonl.zst' run2/errors.jsonl || die "errors.jsonl does not name the corrupt shard"
grep -q 'NOT complete' run2/slurm/logs/merge-*.out || die "merge log does not say the result is incomplete"
[ "$single_rc" = 3 ] || die "single scan exit $single_rc"
same_as_single run2 single2
log "run 2: corrupt shard reported, merge exit 3 (not complete), files as one scan's: $(secs "$T2" "$(now_ms)") s"

# ---------------------------------------------------------------- 3. resubmit: parts up to date
T3=$(now_ms)
cp run1/summary.json summary1.json
"$PROVAUDIT" slurm submit --index demo/index --plan plan1.json --out run1 >/dev/null
wait_jobs run1
[ "$(cat run1/slurm/logs/scan-*.out | grep -c 'part up to date')" -ge 8 ] || die "resubmitted tasks scanned again"
cmp -s run1/summary.json summary1.json || die "merge after resubmission changed summary.json"
log "run 3: resubmission skipped all 8 parts: $(secs "$T3" "$(now_ms)") s"

# ---------------------------------------------------------------- 4. a failing task
T4=$(now_ms)
"$PROVAUDIT" plan --tasks 8 --out plan4.json "${SHARDS[@]}" >/dev/null
printf '{"id":"late","text":"added after planning"}\n' >> shards/s-00.jsonl  # task 0 must refuse
"$PROVAUDIT" slurm submit --index demo/index --plan plan4.json --out run4 >/dev/null
wait_jobs run4
set +e; "$PROVAUDIT" slurm status run4 > status4.txt; st_rc=$?; set -e
cat status4.txt
grep -q '^task    0  failed' status4.txt || die "task 0 not reported failed"
grep -q '^merge: cancelled' status4.txt || die "merge not cancelled after a failed task"
[ ! -e run4/summary.json ] || die "merge ran although a task failed"
[ "$st_rc" = 1 ] || die "slurm status exit $st_rc, expected 1"
log "run 4: failed task cancels the merge: $(secs "$T4" "$(now_ms)") s"

log "all Slurm checks passed: $(secs "$T_START" "$(now_ms)") s"
