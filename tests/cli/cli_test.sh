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

# Reports: report, verify (outputs, inputs, signature), keygen, reproduce; exit codes per CONTRACT.
for c in report verify reproduce keygen; do
  expect_rc "$c --help" 0 "$bin" "$c" --help
done
expect_rc "keygen" 0 "$bin" keygen --out "$tmp/signer"
expect_rc "keygen refuses to overwrite" 2 "$bin" keygen --out "$tmp/signer"
expect_rc "report" 0 "$bin" report "$tmp/run1" --out "$tmp/rep" --sign "$tmp/signer.key"
check "report writes json, html, pdf, manifest and signature" test -s "$tmp/rep/report.json" -a -s "$tmp/rep/report.html" -a -s "$tmp/rep/report.pdf" -a -s "$tmp/rep/manifest.json" -a -s "$tmp/rep/manifest.json.sig"
check "report.json quotes the passage" grep -q "Either the well was very deep" "$tmp/rep/report.json"
expect_rc "report --format json" 0 "$bin" report "$tmp/run1" --out "$tmp/rep-json" --format json
check "only json and manifest" python3 -c "import os; assert sorted(os.listdir('$tmp/rep-json'))==['manifest.json','report.json'], os.listdir('$tmp/rep-json')"
expect_rc "report --format bad" 2 "$bin" report "$tmp/run1" --out "$tmp/rep-x" --format docx
expect_rc "report of a folder that is no run" 2 "$bin" report "$tmp/works" --out "$tmp/rep-y"
expect_rc "verify a fresh report" 0 "$bin" verify "$tmp/rep" --inputs --pubkey "$tmp/signer.pub"
cp "$tmp/rep/report.pdf" "$tmp/pdf.bak"
printf 'X' | dd of="$tmp/rep/report.pdf" bs=1 seek=100 conv=notrunc 2>/dev/null
expect_rc "verify after one byte of the PDF changed" 1 "$bin" verify "$tmp/rep"
check "verify names report.pdf" grep -q "changed: .*report.pdf" "$tmp/out"
cp "$tmp/pdf.bak" "$tmp/rep/report.pdf"
expect_rc "verify with a missing key file" 2 "$bin" verify "$tmp/rep" --pubkey "$tmp/nokey.pub"
expect_rc "verify of a folder without manifest" 2 "$bin" verify "$tmp/works"
expect_rc "reproduce" 0 "$bin" reproduce "$tmp/rep" --threads 2
check "reproduce compares matches.jsonl" grep -q "same: matches.jsonl" "$tmp/out"
# Error rates (a small real eval) and torrent evidence (a timeline with hostile text) in a report.
expect_rc "a small eval" 0 "$bin" eval --quick --threads 1 --passages 1 --negative-mb 1 --out "$tmp/ev"
cat > "$tmp/evidence.json" <<'JSON'
{"schema": "provaudit/evidence/1", "events": [
 {"time": "2024-03-01T10:00:00Z", "kind": "seeded", "peer": "<b>10.0.0.1:6881</b>", "bytes": 1048576},
 {"time": "2024-03-01T11:00:00Z", "kind": "announce", "uploaded": 2097152, "ratio": 0.5}]}
JSON
expect_rc "report with --eval and --evidence" 0 "$bin" report "$tmp/run1" --out "$tmp/rep-ev" --eval "$tmp/ev/eval.json" --evidence "$tmp/evidence.json" --format json,html
check "report.json quotes the eval's rates and hashes" python3 -c "
import json, hashlib; r=json.load(open('$tmp/rep-ev/report.json')); e=json.load(open('$tmp/ev/eval.json'))
er=r['error_rates']; assert er['eval']['sha256']==hashlib.sha256(open('$tmp/ev/eval.json','rb').read()).hexdigest()
ge25=[x for x in er['totals'] if x['name']=='ge25'][0]
assert ge25['recall']==e['totals']['ge25']['recall'] and er['false_attributions_per_mb']==e['false_attribution']['per_mb'], er
ev=r['evidence'][0]; assert ev['schema']=='provaudit/evidence/1' and len(ev['content']['events'])==2, ev"
check "report.html shows the timeline, escaped" grep -q '&lt;b&gt;10.0.0.1:6881&lt;/b&gt;' "$tmp/rep-ev/report.html"
check "report.html shows the error rates" grep -q 'Measured error rates' "$tmp/rep-ev/report.html"
expect_rc "verify --inputs with eval and evidence" 0 "$bin" verify "$tmp/rep-ev" --inputs
sed -i 's/seeded/leeched/' "$tmp/evidence.json"
expect_rc "verify --inputs after the evidence changed" 1 "$bin" verify "$tmp/rep-ev" --inputs
check "verify names the evidence file" grep -q "changed: .*evidence.json" "$tmp/out"

sed -i 's/Either the well/Either thy well/' "$tmp/shard.jsonl"
expect_rc "verify --inputs after the shard changed" 1 "$bin" verify "$tmp/rep" --inputs
check "verify names the shard" grep -q "changed: .*shard.jsonl" "$tmp/out"
expect_rc "reproduce after the shard changed" 1 "$bin" reproduce "$tmp/rep"
expect_rc "report after the shard changed: excerpts missing, exit 3" 3 "$bin" report "$tmp/run1" --out "$tmp/rep2"

# The demo, as the README runs it.
expect_rc "demo" 0 "$bin" demo --out "$tmp/demo"
check "demo prints recall" grep -q "recall" "$tmp/out"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
