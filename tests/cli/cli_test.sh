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

# Torrents: inspect, verify (exit 0/1/2), add with links to ingested works (needs ../shared).
ev="$src/../shared/torrent-evidence"
if [ -d "$ev/torrents" ]; then
  T=$ev/torrents
  for c in "torrent" "torrent inspect" "torrent verify" "torrent add"; do
    expect_rc "$c --help" 0 "$bin" $c --help
  done
  expect_rc "torrent inspect --json" 0 "$bin" torrent inspect --json "$T/Genesis.v1.torrent" "$T/KJV-Law-II.hybrid.torrent"
  check "inspect --json: hashes, pad files, offsets" python3 -c "
import json; d=json.load(open('$tmp/out')); g,h=d
assert g['info_hash_v1']=='c50e647feae36745cc1bde26753ef39572cf21bc' and g['kind']=='v1'
assert h['kind']=='hybrid' and h['info_hash_v2_truncated']==h['info_hash_v2'][:40]
assert [f['pad'] for f in h['files']]==[False,True,False,True] and h['files'][2]['offset']==196608"
  printf 'd4:infod4:name1:xee' > "$tmp/bad.torrent"
  expect_rc "inspect a malformed torrent beside a good one" 3 "$bin" torrent inspect "$tmp/bad.torrent" "$T/Genesis.v1.torrent"
  check "stderr names the malformed torrent and libtorrent's reason" grep -q "bad.torrent.*piece length" "$tmp/err"
  check "the good torrent is still printed" grep -q "c50e647feae36745cc1bde26753ef39572cf21bc" "$tmp/out"
  expect_rc "inspect a magnet link" 0 "$bin" torrent inspect "magnet:?xt=urn:btih:c50e647feae36745cc1bde26753ef39572cf21bc&dn=Genesis.txt"
  mkdir -p "$tmp/tdata" && cp -r "$ev/content/." "$tmp/tdata/" && chmod -R u+w "$tmp/tdata"
  expect_rc "verify an intact v1 copy" 0 "$bin" torrent verify "$T/Genesis.v1.torrent" "$tmp/tdata"
  expect_rc "verify an intact v2 copy --json" 0 "$bin" torrent verify --json "$T/KJV-Gospels-I.v2.torrent" "$tmp/tdata"
  check "verify --json: every file verified" python3 -c "
import json; d=json.load(open('$tmp/out')); assert d['schema']=='provaudit/torrent-verify/1'
assert [f['status'] for f in d['files']]==['verified','verified'] and d['totals']['bytes_proven']==218918"
  mkdir -p "$tmp/tflip" && cp -r "$tmp/tdata/." "$tmp/tflip/"
  printf 'X' | dd of="$tmp/tflip/KJV Gospels I/Matthew.txt" bs=1 seek=70000 conv=notrunc 2>/dev/null
  expect_rc "verify a copy with one changed byte exits 1" 1 "$bin" torrent verify --json "$T/KJV-Gospels-I.v2.torrent" "$tmp/tflip"
  check "exactly that piece differs" python3 -c "
import json; d=json.load(open('$tmp/out')); m=[f for f in d['files'] if f['path'].endswith('Matthew.txt')][0]
assert m['status']=='differs' and len(m['pieces_failed'])==1 and m['unproven']==[[65536,98304]], m"
  expect_rc "verify without a data directory exits 2" 2 "$bin" torrent verify "$T/Genesis.v1.torrent" "$tmp/no-such-dir"
  expect_rc "verify a magnet link exits 2" 2 "$bin" torrent verify "magnet:?xt=urn:btih:c50e647feae36745cc1bde26753ef39572cf21bc" "$tmp/tdata"
  expect_rc "ingest the torrents' books" 0 "$bin" ingest -q --index "$tmp/tidx" "$tmp/tdata"
  expect_rc "torrent add --data" 0 "$bin" torrent add --index "$tmp/tidx" --data "$tmp/tdata" "$T"/*.torrent
  check "all nine books linked to their works" test "$(grep -c '  linked ' "$tmp/out")" = 9
  check "Genesis linked to the work with its SHA-256" grep -q "linked Genesis.txt -> work 83c86cb5b302853b9e556cc641e7cb94ff645566e1dad5e468746e2af4b9531e" "$tmp/out"
  expect_rc "torrent add with a malformed torrent exits 3" 3 "$bin" torrent add --index "$tmp/tidx" "$tmp/bad.torrent" "$T/Genesis.v1.torrent"
  check "errors.jsonl names the malformed torrent" grep -q "bad.torrent" "$tmp/tidx/errors.jsonl"
fi

# The demo, as the README runs it.
expect_rc "demo" 0 "$bin" demo --out "$tmp/demo"
check "demo prints recall" grep -q "recall" "$tmp/out"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
