#!/usr/bin/env bash
# tests/cli/cli_test.sh: the CLI end to end, as a user runs it: help and version, ingest,
# works, scan with exit codes, byte-identical reruns, errors.jsonl, and the demo.
# Usage: cli_test.sh PATH/TO/provaudit SOURCE_DIR
set -u
bin=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
check() {  # description, then a command that must succeed
  local what=$1; shift
  if "$@" >/dev/null 2>&1; then pass=$((pass+1)); else echo "FAIL: $what"; fail=$((fail+1)); fi
}
expect_rc() {  # description, expected rc, command...
  local what=$1 want=$2; shift 2
  "$@" >"$tmp/out" 2>"$tmp/err"
  local rc=$?
  if [ "$rc" = "$want" ]; then pass=$((pass+1)); else
    echo "FAIL: $what: exit $rc, expected $want"; sed 's/^/  | /' "$tmp/err" | head -20; fail=$((fail+1)); fi
}

expect_rc "--help" 0 "$bin" --help
check "--help names the commands" grep -q "scan" "$tmp/out"
for c in ingest works scan demo; do
  expect_rc "$c --help" 0 "$bin" "$c" --help
done
expect_rc "--version" 0 "$bin" --version
check "--version lists libraries" grep -q "rocksdb" "$tmp/out"
expect_rc "unknown command" 2 "$bin" frobnicate
expect_rc "missing --index" 2 "$bin" scan --out "$tmp/run" x.jsonl

# Ingest the fixtures plus one broken file: exit 3, errors.jsonl names it, the rest indexed.
mkdir -p "$tmp/works"
cp "$src"/fixtures/works/*.txt "$tmp/works/"
printf 'PK\003\004 broken' > "$tmp/works/broken.epub"
expect_rc "ingest with a broken file" 3 "$bin" ingest -q --index "$tmp/idx" "$tmp/works"
check "errors.jsonl names the broken file" grep -q "broken.epub" "$tmp/idx/errors.jsonl"
check "stderr names the broken file" grep -q "broken.epub" "$tmp/err"
expect_rc "re-ingest is a no-op" 0 "$bin" ingest -q --index "$tmp/idx" "$tmp/works/alice-excerpt.txt"
check "re-ingest says unchanged" grep -q "1 unchanged" "$tmp/out"
expect_rc "works --json" 0 "$bin" works --index "$tmp/idx" --json
check "works --json lists 3 works" python3 -c "import json,sys; d=json.load(open('$tmp/out')); assert len(d)==3, d"
id=$(python3 -c "import json; print([w for w in json.load(open('$tmp/out')) if 'alice' in w['path']][0]['work_id'])")
expect_rc "works --text" 0 "$bin" works --index "$tmp/idx" --text "${id:0:12}"
check "works --text prints the text" grep -q "White Rabbit" "$tmp/out"
expect_rc "works --text unknown id" 2 "$bin" works --index "$tmp/idx" --text deadbeefdeadbeef
expect_rc "works on a missing index" 2 "$bin" works --index "$tmp/nothing"

# A shard with a verbatim passage, a record that is not JSON, and a document with no match.
python3 - "$tmp" "$src" <<'PY'
import json, sys
tmp, src = sys.argv[1], sys.argv[2]
alice = open(f"{src}/fixtures/works/alice-excerpt.txt", encoding="utf-8").read().replace("\r\n", "\n")
start = alice.index("Either the well was very deep")
passage = alice[start:start+400]
passage = passage[:passage.rindex(" ")]
with open(f"{tmp}/shard.jsonl", "w", encoding="utf-8") as f:
    f.write(json.dumps({"id": "d1", "text": "Unrelated opening words here. " + passage + " and then zzz qqq"}) + "\n")
    f.write("this line is not json\n")
    f.write(json.dumps({"id": 7, "text": "nothing to see here at all"}) + "\n")
PY
expect_rc "scan with a bad record" 3 "$bin" scan -q --index "$tmp/idx" --out "$tmp/run1" --threads 1 "$tmp/shard.jsonl"
check "scan reports line 2" grep -q '"line":2' "$tmp/run1/errors.jsonl"
check "one match, doc_start 30" python3 -c "
import json; m=[json.loads(l) for l in open('$tmp/run1/matches.jsonl')]
assert len(m)==1 and m[0]['doc_start']==30 and m[0]['doc_id']=='d1' and m[0]['work_id']=='$id', m"
check "summary has schema, shard sha256 and work coverage" python3 -c "
import json, hashlib; s=json.load(open('$tmp/run1/summary.json'))
assert s['schema']=='provaudit/summary/1'
assert s['shards'][0]['sha256']==hashlib.sha256(open('$tmp/shard.jsonl','rb').read()).hexdigest()
assert s['works'][0]['work_id']=='$id' and 0 < s['works'][0]['coverage'] < 1"
expect_rc "scan again with 2 threads" 3 "$bin" scan -q --index "$tmp/idx" --out "$tmp/run2" --threads 2 "$tmp/shard.jsonl"
check "matches.jsonl byte-identical across thread counts" cmp "$tmp/run1/matches.jsonl" "$tmp/run2/matches.jsonl"
check "summary.json byte-identical across thread counts" cmp "$tmp/run1/summary.json" "$tmp/run2/summary.json"
expect_rc "scan of a clean shard exits 0" 0 "$bin" scan -q --index "$tmp/idx" --out "$tmp/run3" "$src/fixtures/filler/moby-excerpt.txt"
expect_rc "scan with a missing index exits 2" 2 "$bin" scan --index "$tmp/none" --out "$tmp/run4" "$tmp/shard.jsonl"

# The demo, as the README runs it.
expect_rc "demo" 0 "$bin" demo --out "$tmp/demo"
check "demo prints recall" grep -q "recall" "$tmp/out"

# Seeding evidence on the real logs of ../shared/torrent-evidence (skipped when absent).
ev="$src/../shared/torrent-evidence"
expect_rc "evidence --help" 0 "$bin" evidence --help
expect_rc "evidence add --help" 0 "$bin" evidence add --help
check "evidence add --help explains --tz" grep -q -- "--tz" "$tmp/out"
expect_rc "evidence show --help" 0 "$bin" evidence show --help
if [ -d "$ev/s1-transmission-seeds-aria2-downloads" ]; then
  s1="$ev/s1-transmission-seeds-aria2-downloads"
  s1logs=("$s1/logs/tracker-access.jsonl" "$s1/logs/tracker-access.log" "$s1/logs/transmission-seeder-deep-debug.log"
          "$s1/logs/transmission-seeder-rpc-poll.jsonl" "$s1/logs/aria2-downloader-debug.log")
  expect_rc "evidence add s1" 0 "$bin" evidence add --index "$tmp/ev1" "${s1logs[@]}"
  check "evidence add names each format" grep -q "transmission-deep" "$tmp/out"
  expect_rc "evidence add again is a no-op" 0 "$bin" evidence add --index "$tmp/ev1" "${s1logs[@]}"
  check "evidence add again says unchanged" grep -q "already in the index" "$tmp/out"
  expect_rc "evidence show --json" 0 "$bin" evidence show --index "$tmp/ev1" --json
  cp "$tmp/out" "$tmp/ev1.json"
  check "evidence show reproduces s1's ground truth" python3 - "$tmp/ev1.json" "$s1/ground-truth.json" <<'PY'
import json, sys
got, gt = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
assert got["schema"] == "provaudit/evidence/1"
[t] = got["torrents"]
assert gt["torrent"]["infohash_v1"] in t["hashes"], t["hashes"]
assert t["strongest_rank"] == 1
for key, nbytes in gt["upload_evidence_from_logs"].items():
    obs, src, rest = key.split(" | ")
    peer = rest.split(" -> ")[1]
    [g] = [g for g in t["uploader_blocks"] if g["observer"] == obs and g["source"] == src and g["peer"] == peer]
    assert g["bytes"] == nbytes, (g, nbytes)
seeder = gt["participants"]["transmission-seeder"]
claims = [g for g in t["tracker_claims"] if g["peer"] in seeder["peer_ids_seen_by_tracker"]]
assert max(g["max_up"] for g in claims) == seeder["max_uploaded_reported_to_tracker"]
PY
  # The stored events, dumped as seeding-event/1 lines and read back into a fresh index, give
  # the same summary: the normalised form is a complete record.
  expect_rc "evidence show --events" 0 "$bin" evidence show --index "$tmp/ev1" --events
  cp "$tmp/out" "$tmp/ev1-events.jsonl"
  check "--events lists every event" python3 -c "
import json; n=sum(1 for _ in open('$tmp/ev1-events.jsonl')); [t]=json.load(open('$tmp/ev1.json'))['torrents']; assert n==t['events'], (n, t['events'])"
  expect_rc "evidence add of seeding-event/1 lines" 0 "$bin" evidence add --index "$tmp/ev6" "$tmp/ev1-events.jsonl"
  check "evidence add detects seeding-event/1" grep -q "seeding-event-jsonl" "$tmp/out"
  expect_rc "evidence show of the re-read events" 0 "$bin" evidence show --index "$tmp/ev6" --json
  check "re-read events give the same summary" cmp "$tmp/out" "$tmp/ev1.json"
  # Same logs in another order, another index: byte-identical JSON.
  rev=(); for ((i=${#s1logs[@]}-1; i>=0; i--)); do rev+=("${s1logs[$i]}"); done
  expect_rc "evidence add s1 reversed" 0 "$bin" evidence add --index "$tmp/ev2" "${rev[@]}"
  expect_rc "evidence show --json (reversed)" 0 "$bin" evidence show --index "$tmp/ev2" --json
  check "evidence show --json is byte-identical" cmp "$tmp/out" "$tmp/ev1.json"
  expect_rc "evidence show --infohash" 0 "$bin" evidence show --index "$tmp/ev1" --infohash C50E647FEAE36745CC1BDE26753EF39572CF21BC
  check "evidence show text names the uploader" grep -q "transmission-seeder (Transmission.*sent 208397 bytes" "$tmp/out"
  expect_rc "evidence show bad --infohash" 2 "$bin" evidence show --index "$tmp/ev1" --infohash xyz
  # --tz: local stamps get UTC times and the assumption on each event.
  expect_rc "evidence add --tz" 0 "$bin" evidence add --index "$tmp/ev3" --tz Europe/Berlin "$s1/logs/aria2-downloader-debug.log"
  expect_rc "evidence show after --tz" 0 "$bin" evidence show --index "$tmp/ev3" --json
  check "--tz converts local times (UTC+1 in November)" python3 -c "
import json; [t]=json.load(open('$tmp/out'))['torrents']; g=t['receiver_blocks'][0]
assert g['zone_unknown'] is False and g['first_time'].startswith('2026-11-28T03:39:26.458205'), g"
  expect_rc "evidence add --tz unknown zone" 2 "$bin" evidence add --index "$tmp/ev3" --tz Mars/Olympus "$s1/logs/aria2-downloader-debug.log"
  # A damaged log and a file that is no seeding log: exit 3, both named, the rest stored.
  { head -3 "$s1/logs/tracker-access.jsonl"; echo '{"path":"/announce", broken'; tail -n +4 "$s1/logs/tracker-access.jsonl"; } > "$tmp/damaged.jsonl"
  expect_rc "evidence add with a damaged line and an unknown file" 3 "$bin" evidence add --index "$tmp/ev4" "$tmp/damaged.jsonl" "$s1/logs/nginx-error.log"
  check "stderr names the damaged line" grep -q "damaged.jsonl:4" "$tmp/err"
  check "errors.jsonl names the unknown file" grep -q "nginx-error.log" "$tmp/ev4/errors.jsonl"
  expect_rc "evidence show of the damaged log" 0 "$bin" evidence show --index "$tmp/ev4" --json
  check "the damaged log's other announces are kept" python3 -c "
import json; [t]=json.load(open('$tmp/out'))['torrents']; assert sum(g['events'] for g in t['tracker_claims']) == 6, t"
  # A log that names no torrent, given alone: its events are listed as "unresolved".
  s3="$ev/s3-qbittorrent-seeds-hybrid-libtorrent-downloads"
  expect_rc "evidence add of a peer poll alone" 0 "$bin" evidence add --index "$tmp/ev5" "$s3/logs/qbittorrent-seeder-webapi-peers.jsonl"
  expect_rc "evidence show lists unresolved events" 0 "$bin" evidence show --index "$tmp/ev5" --json
  check "unresolved events are shown, not hidden" python3 -c "
import json; [t]=json.load(open('$tmp/out'))['torrents']; assert t['hashes']==['unresolved'] and t['events']==9, t"
  # The per-work view with a run: passages of the work counted from matches.jsonl.
  expect_rc "evidence show --work with --run" 0 "$bin" evidence show --index "$tmp/idx" --work "$id" --run "$tmp/run1" --json
  check "evidence show --work counts the run's passages" python3 -c "
import json; [w]=json.load(open('$tmp/out'))['works']; assert w['work_id']=='$id' and w['passages']==1, w"
else
  echo "skipped: ../shared/torrent-evidence not present"
fi

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
