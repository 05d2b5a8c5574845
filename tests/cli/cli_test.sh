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
check "a scan with the saved posting table says nothing of it" bash -c "! grep -q 'posting-table file' '$tmp/err'"
# Without the saved table file (as an index saved by an older provaudit reads), the scan builds
# the table, finds the same, and says how to save it; the next ingest over the works does.
mv "$tmp/idx/posting-table.bin" "$tmp/posting-table.bin.saved"
expect_rc "scan without the table file" 3 "$bin" scan -q --index "$tmp/idx" --out "$tmp/run1b" --threads 1 "$tmp/shard.jsonl"
check "it names the missing table and the fix" grep -q "no current posting-table file.*" "$tmp/err"
check "it finds the same without it" cmp "$tmp/run1/matches.jsonl" "$tmp/run1b/matches.jsonl"
expect_rc "ingest over the same works again" 0 "$bin" ingest -q --index "$tmp/idx" "$tmp"/works/*.txt
check "that ingest saves the table file" test -s "$tmp/idx/posting-table.bin"
check "the file saved again is the same bytes" cmp "$tmp/idx/posting-table.bin" "$tmp/posting-table.bin.saved"
expect_rc "scan with a missing index exits 2" 2 "$bin" scan --index "$tmp/none" --out "$tmp/run4" "$tmp/shard.jsonl"

# The release gate: policy in, pass (0) / fail (1) / cannot run (2) out; JUnit, SARIF, diff, filter.
for c in gate diff filter; do
  expect_rc "$c --help" 0 "$bin" "$c" --help
done
"$bin" works --index "$tmp/idx" --json > "$tmp/works.json"
chekhov=$(python3 -c "import json; print([w for w in json.load(open('$tmp/works.json')) if 'chekhov' in w['path']][0]['work_id'])")
expect_rc "ingest --class" 0 "$bin" ingest -q --index "$tmp/idx" --class public_domain "$tmp/works/chekhov-excerpt.txt"
printf '{"title": "Alice (excerpt)", "rightsholder": "nobody", "isbn": "0-306-40615-2"}' > "$tmp/meta.json"
expect_rc "ingest --meta" 0 "$bin" ingest -q --index "$tmp/idx" --meta "$tmp/meta.json" "$tmp/works/alice-excerpt.txt"
expect_rc "works --json after --class/--meta" 0 "$bin" works --index "$tmp/idx" --json
check "works shows class, title, rightsholder, isbn" python3 -c "
import json; d={w['path'].split('/')[-1]: w for w in json.load(open('$tmp/out'))}
assert d['chekhov-excerpt.txt']['class']=='public_domain', d
a=d['alice-excerpt.txt']; assert a['title']=='Alice (excerpt)' and a['rightsholder']=='nobody' and a['isbns'][0]=='9780306406157', a
assert d['pride-excerpt.txt']['class']=='', d"
expect_rc "works lists the class" 0 "$bin" works --index "$tmp/idx"
check "works table shows public_domain" grep -q "public_do" "$tmp/out"
printf '{"title": "x", "publisher": "y"}' > "$tmp/badmeta.json"
expect_rc "ingest --meta with an unknown key" 2 "$bin" ingest -q --index "$tmp/idx" --meta "$tmp/badmeta.json" "$tmp/works/alice-excerpt.txt"
check "the error names the key" grep -q 'unknown key "publisher"' "$tmp/err"

python3 - "$tmp" "$src" <<'PY'
import json, sys
tmp, src = sys.argv[1], sys.argv[2]
alice = open(f"{src}/fixtures/works/alice-excerpt.txt", encoding="utf-8").read().replace("\r\n", "\n")
chek = open(f"{src}/fixtures/works/chekhov-excerpt.txt", encoding="utf-8").read().replace("\r\n", "\n")
pride = open(f"{src}/fixtures/works/pride-excerpt.txt", encoding="utf-8").read().replace("\r\n", "\n")
def cut(s, a, n):
    a = s.index(" ", a) + 1
    return s[a:s.rindex(" ", a, a + n)]
start = alice.index("Either the well was very deep")
with open(f"{tmp}/g.jsonl", "w", encoding="utf-8") as f:
    f.write(json.dumps({"id": "clean", "text": "nothing to see here at all"}) + "\n")
    f.write(json.dumps({"id": "a1", "src": {"u": "http://x"}, "text": "Opening words. " + cut(alice, start - 1, 400) + " closing words"}) + "\n")
    f.write(json.dumps({"id": "c1", "text": cut(chek, 3000, 600)}) + "\n")
with open(f"{tmp}/extra.jsonl", "w", encoding="utf-8") as f:
    f.write(json.dumps({"id": "p1", "text": cut(pride, 12000, 500)}) + "\n")
open(f"{tmp}/policy.toml", "w").write("""[defaults]
min_words = 25
max_matched_words_per_document = 0
max_coverage_per_work = 0.0
max_documents_per_work = 0
[classes.public_domain]
max_matched_words_per_document = 1000000
max_coverage_per_work = 1.0
max_documents_per_work = 1000000
""")
open(f"{tmp}/badpolicy.toml", "w").write("[defaults]\nmin_words = 25\nmax_words = 3\n")
PY
expect_rc "gate: a planted passage violates (exit 1)" 1 "$bin" gate -q --index "$tmp/idx" --policy "$tmp/policy.toml" \
  --out "$tmp/grun" --junit "$tmp/junit.xml" --sarif "$tmp/gate.sarif" "$tmp/g.jsonl"
check "gate prints FAIL" grep -q "gate: FAIL" "$tmp/out"
check "gate.json: schema, verdict fail, Chekhov passes as public_domain" python3 -c "
import json; g=json.load(open('$tmp/grun/gate.json'))
assert g['schema']=='provaudit/gate/1' and g['verdict']=='fail', g['verdict']
w={x['work_id']: x for x in g['works']}
assert w['$id']['verdict']=='fail' and w['$chekhov']['verdict']=='pass' and w['$chekhov']['class']=='public_domain', w
ids={json.loads(l)['finding_id'] for l in open('$tmp/grun/matches.jsonl')}
assert ids=={f['finding_id'] for f in g['findings']}"
check "JUnit is well-formed XML with one failure naming line 2" python3 -c "
import xml.etree.ElementTree as ET; r=ET.parse('$tmp/junit.xml').getroot()
f=r.findall('.//failure'); assert r.tag=='testsuites' and len(f)==1
assert 'line: 2' in f[0].text and 'document: a1' in f[0].text and 'excerpt: ' in f[0].text, f[0].text"
check "SARIF 2.1.0 results point at the shard, startLine 2" python3 -c "
import json; s=json.load(open('$tmp/gate.sarif')); assert s['version']=='2.1.0'
res=s['runs'][0]['results']; assert len(res)==3
for r in res:
  l=r['locations'][0]['physicalLocation']
  assert l['artifactLocation']['uri']=='file://$tmp/g.jsonl' and l['region']['startLine']==2, l"
if python3 -c "import jsonschema" 2>/dev/null; then  # python3-jsonschema, when installed
  check "gate.json matches schemas/gate-1.schema.json" python3 -c "
import json, jsonschema; jsonschema.validate(json.load(open('$tmp/grun/gate.json')), json.load(open('$src/schemas/gate-1.schema.json')))"
fi
cp "$tmp/grun/gate.json" "$tmp/gate-fresh.json"
expect_rc "gate --run on the kept run (exit 1)" 1 "$bin" gate --run "$tmp/grun" --policy "$tmp/policy.toml"
check "gate --run writes the same gate.json" cmp "$tmp/gate-fresh.json" "$tmp/grun/gate.json"
expect_rc "gate on a clean shard passes (exit 0)" 0 "$bin" gate -q --index "$tmp/idx" --policy "$tmp/policy.toml" \
  "$src/fixtures/filler/moby-excerpt.txt" --out "$tmp/grun-ok"
check "a passing gate.json says pass" grep -q '"verdict": "pass"' "$tmp/grun-ok/gate.json"
expect_rc "gate with a policy error (exit 2)" 2 "$bin" gate -q --index "$tmp/idx" --policy "$tmp/badpolicy.toml" "$tmp/g.jsonl"
check "the policy error names file and line 3" grep -q "badpolicy.toml:3: unknown key 'max_words'" "$tmp/err"
expect_rc "gate with a missing index (exit 2)" 2 "$bin" gate -q --index "$tmp/none" --policy "$tmp/policy.toml" "$tmp/g.jsonl"
expect_rc "gate with a missing shard fails closed (exit 2)" 2 "$bin" gate -q --index "$tmp/idx" --policy "$tmp/policy.toml" "$tmp/g.jsonl" "$tmp/missing.jsonl"
expect_rc "gate with an unreadable record fails closed (exit 2)" 2 "$bin" gate -q --index "$tmp/idx" --policy "$tmp/policy.toml" "$tmp/shard.jsonl"
expect_rc "scan with --min-words 40" 0 "$bin" scan -q --index "$tmp/idx" --out "$tmp/run40" --min-words 40 "$tmp/g.jsonl"
expect_rc "gate --run refuses a run with a larger min_words (exit 2)" 2 "$bin" gate --run "$tmp/run40" --policy "$tmp/policy.toml"
check "it says why" grep -q "min-words 25" "$tmp/err"

expect_rc "diff of a run with itself (exit 0)" 0 "$bin" diff "$tmp/grun" "$tmp/grun"
expect_rc "gate with an extra shard" 1 "$bin" gate -q --index "$tmp/idx" --policy "$tmp/policy.toml" --out "$tmp/grun2" "$tmp/g.jsonl" "$tmp/extra.jsonl"
expect_rc "diff finds the added finding (exit 1)" 1 "$bin" diff "$tmp/grun" "$tmp/grun2" --json
check "diff --json: 1 added, 0 removed" python3 -c "
import json; d=json.load(open('$tmp/out')); assert d['schema']=='provaudit/diff/1'
assert d['totals']=={'added':1,'removed':0,'changed':0} and d['added'][0]['doc_id']=='p1', d"
if python3 -c "import jsonschema" 2>/dev/null; then
  check "diff --json matches its schema" python3 -c "
import json, jsonschema; jsonschema.validate(json.load(open('$tmp/out')), json.load(open('$src/schemas/diff-1.schema.json')))"
fi
cp -r "$tmp/grun" "$tmp/grun3"
printf '[allow]\nworks = ["%s"]\n' "$id" | cat "$tmp/policy.toml" - > "$tmp/allow.toml"
expect_rc "gate --run with the work allowed passes" 0 "$bin" gate --run "$tmp/grun3" --policy "$tmp/allow.toml"
expect_rc "diff sees the verdict change" 1 "$bin" diff "$tmp/grun" "$tmp/grun3"
check "diff names the verdict change" grep -q "verdict violation -> allowed" "$tmp/out"
expect_rc "diff of a missing run (exit 2)" 2 "$bin" diff "$tmp/grun" "$tmp/nothing"

gzip -c "$tmp/g.jsonl" > "$tmp/g2.jsonl.gz"
expect_rc "filter --redact (exit 0)" 0 "$bin" filter -q --index "$tmp/idx" --policy "$tmp/policy.toml" --out "$tmp/clean" --redact "$tmp/g.jsonl" "$tmp/g2.jsonl.gz"
check "redacted output keeps the other lines and fields" python3 -c "
import json, gzip
a=open('$tmp/g.jsonl','rb').read().split(b'\n'); b=open('$tmp/clean/g.jsonl','rb').read().split(b'\n')
assert a[0]==b[0] and a[2]==b[2] and a[3:]==b[3:] and a[1]!=b[1]
x=json.loads(a[1]); y=json.loads(b[1]); assert x['src']==y['src'] and x['id']==y['id'] and '[REDACTED]' in y['text']
assert gzip.open('$tmp/clean/g2.jsonl.gz').read()==open('$tmp/clean/g.jsonl','rb').read()
log=[json.loads(l) for l in open('$tmp/clean/filter-log.jsonl')]; assert len(log)==2 and log[0]['action']=='redacted' and log[0]['line']==2, log
s=json.load(open('$tmp/clean/filter-summary.json')); assert s['totals']['redacted']==2, s"
if python3 -c "import jsonschema" 2>/dev/null; then
  check "filter outputs match their schemas" python3 -c "
import json, jsonschema
jsonschema.validate(json.load(open('$tmp/clean/filter-summary.json')), json.load(open('$src/schemas/filter-1.schema.json')))
for l in open('$tmp/clean/filter-log.jsonl'): jsonschema.validate(json.loads(l), json.load(open('$src/schemas/filter-log-1.schema.json')))"
fi
expect_rc "the cleaned shards pass the gate" 0 "$bin" gate -q --index "$tmp/idx" --policy "$tmp/policy.toml" "$tmp/clean/g.jsonl" "$tmp/clean/g2.jsonl.gz"
expect_rc "filter drops an unreadable record (exit 3)" 3 "$bin" filter -q --index "$tmp/idx" --policy "$tmp/policy.toml" --out "$tmp/clean2" "$tmp/shard.jsonl"
check "the dropped documents are logged" python3 -c "
import json; log=[json.loads(l) for l in open('$tmp/clean2/filter-log.jsonl')]
assert [(l['line'], l['action']) for l in log]==[(1,'dropped'),(2,'dropped_unreadable')], log"
expect_rc "the filtered shard passes the gate" 0 "$bin" gate -q --index "$tmp/idx" --policy "$tmp/policy.toml" "$tmp/clean2/shard.jsonl"
expect_rc "filter with a missing shard (exit 2)" 2 "$bin" filter -q --index "$tmp/idx" --policy "$tmp/policy.toml" --out "$tmp/clean3" "$tmp/missing.jsonl"
# Reports: report, verify (outputs, inputs, signature), keygen, reproduce; exit codes per CONTRACT.
for c in report verify reproduce keygen; do
  expect_rc "$c --help" 0 "$bin" "$c" --help
done
expect_rc "keygen" 0 "$bin" keygen --out "$tmp/signer"
expect_rc "keygen refuses to overwrite" 2 "$bin" keygen --out "$tmp/signer"
# The gate block above re-tagged works (ingest --class/--meta): their titles changed, so the
# report and reproduce start from a scan of the index as it is now.
expect_rc "scan for the report" 3 "$bin" scan -q --index "$tmp/idx" --out "$tmp/runr" --threads 1 "$tmp/shard.jsonl"
expect_rc "report" 0 "$bin" report "$tmp/runr" --out "$tmp/rep" --sign "$tmp/signer.key"
check "report writes json, html, pdf, manifest and signature" test -s "$tmp/rep/report.json" -a -s "$tmp/rep/report.html" -a -s "$tmp/rep/report.pdf" -a -s "$tmp/rep/manifest.json" -a -s "$tmp/rep/manifest.json.sig"
check "report.json quotes the passage" grep -q "Either the well was very deep" "$tmp/rep/report.json"
expect_rc "report --format json" 0 "$bin" report "$tmp/runr" --out "$tmp/rep-json" --format json
check "only json and manifest" python3 -c "import os; assert sorted(os.listdir('$tmp/rep-json'))==['manifest.json','report.json'], os.listdir('$tmp/rep-json')"
expect_rc "report --format bad" 2 "$bin" report "$tmp/runr" --out "$tmp/rep-x" --format docx
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
expect_rc "report with --eval and --evidence" 0 "$bin" report "$tmp/runr" --out "$tmp/rep-ev" --eval "$tmp/ev/eval.json" --evidence "$tmp/evidence.json" --format json,html
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
expect_rc "report after the shard changed: excerpts missing, exit 3" 3 "$bin" report "$tmp/runr" --out "$tmp/rep2"
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

# The chain, per work: ingest the e-books, record the torrents with --data (links file -> work),
# add one scenario's logs, and `evidence show --work` (no --infohash) names the torrent, its
# verified file and the scenario's ground-truth upload (bytes, uploader, peer); with --run, the
# passages of that book in a scanned shard. Skipped without ../shared/torrent-evidence.
if [ -d "$ev/torrents" ] && [ -f "$ev/content/SHA256SUMS" ]; then
  mkdir -p "$tmp/cdata" && cp -r "$ev/content/." "$tmp/cdata/" && chmod -R u+w "$tmp/cdata"
  rm -f "$tmp/cdata/SHA256SUMS"
  expect_rc "chain: ingest the e-books" 0 "$bin" ingest -q --index "$tmp/cidx" "$tmp/cdata"
  expect_rc "chain: torrent add --data" 0 "$bin" torrent add --index "$tmp/cidx" --data "$tmp/cdata" "$ev/torrents"/*.torrent
  cat > "$tmp/chain_check.py" <<'PY'
import json, sys
mode, sdir, content = sys.argv[1], sys.argv[2], sys.argv[3]
gt = json.load(open(f"{sdir}/ground-truth.json"))
t = gt["torrent"]
sums = {l[66:].rstrip("\n"): l[:64] for l in open(f"{content}/SHA256SUMS")}
f = [f for f in gt["files"] if not f["pad"]][0]
rel = f["path"] if f["path"] == t["name"] else t["name"] + "/" + f["path"]
if mode == "work":  # the work id of the torrent's first file, by its SHA-256
    print(sums[rel]); sys.exit()
out = json.load(open(sys.argv[4]))
[w] = out["works"]
assert w["work_id"] == sums[rel], w["work_id"]
primary = t["infohash_v1"] or t["infohash_v2"]
[tor] = [x for x in w["torrents"] if x["record"] and x["record"]["primary"] == primary]
rec = tor["record"]
assert rec["name"] == t["name"] and rec["kind"] == t["format"], rec
for k in ("infohash_v1", "infohash_v2", "infohash_v2_truncated"):
    want = t[k] or ""
    assert rec[k.replace("infohash", "info_hash")] == want, (k, rec)
    if want: assert want in tor["hashes"], (want, tor["hashes"])
[vf] = tor["verified_files"]  # this work's file only
assert vf["path"] == rel and vf["size"] == f["length"] and vf["bytes_proven"] == f["length"], vf
assert vf["data_path"] == rel and vf["work_id"] == w["work_id"] and tor["linked_works"] == [w["work_id"]], vf
flows = gt["true_flows"]
checked = 0
for kind, key in (("uploader_blocks", "upload_evidence_from_logs"), ("receiver_blocks", "download_evidence_from_logs")):
    for k, nbytes in gt[key].items():
        obs, src, rest = k.split(" | ")
        h, peer = rest.split(" -> ")
        assert h in tor["hashes"], (h, tor["hashes"])
        gs = [g for g in tor[kind] if g["observer"] == obs and g["source"] == src and g["peer"] == peer]
        assert len(gs) == 1 and gs[0]["bytes"] == nbytes, (k, nbytes, gs)
        if kind == "uploader_blocks":  # the uploader's own log
            assert any(fl["uploader"] == obs for fl in flows), obs
        else:  # the receiver's log names the uploader: by its client, else by its listen address
            [up] = [fl["uploader"] for fl in flows if fl["downloader"] == obs]
            who = gt["participants"][up]
            pc = gs[0]["peer_client"].lower()
            assert (pc and pc.split()[0] in who["software"].lower()) or peer == who["listen"], (pc, peer, who)
        checked += 1
assert checked > 0
if mode == "run":
    assert w["passages"] is not None and w["passages"] >= 1, w
print("ok", checked)
PY
  for sc in s1-transmission-seeds-aria2-downloads s2-libtorrent-seeds-transmission-downloads-and-reseeds-to-aria2 \
            s3-qbittorrent-seeds-hybrid-libtorrent-downloads s4-rtorrent-seeds-deluge-downloads \
            s5-deluge-seeds-v2-libtorrent-downloads s6-aria2-seeds-rtorrent-downloads; do
    [ -d "$ev/$sc" ] || continue
    n=${sc%%-*}
    cp -r "$tmp/cidx" "$tmp/cidx-$n"
    # Every file of the scenario's logs: those that are no seeding log are skipped (exit 3).
    expect_rc "chain $n: evidence add" 3 "$bin" evidence add --index "$tmp/cidx-$n" "$ev/$sc/logs"/*
    w=$(python3 "$tmp/chain_check.py" work "$ev/$sc" "$ev/content")
    expect_rc "chain $n: evidence show --work, no --infohash" 0 "$bin" evidence show --index "$tmp/cidx-$n" --work "$w" --json
    cp "$tmp/out" "$tmp/chain-$n.json"
    check "chain $n: torrent, verified file and ground-truth upload per work" python3 "$tmp/chain_check.py" show "$ev/$sc" "$ev/content" "$tmp/chain-$n.json"
    expect_rc "chain $n: evidence show --work (text)" 0 "$bin" evidence show --index "$tmp/cidx-$n" --work "$w"
    check "chain $n: text names the verified file" grep -q "verified file .* = work $w" "$tmp/out"
    if python3 -c "import jsonschema" 2>/dev/null; then
      check "chain $n: JSON matches schemas/evidence-1" python3 -c "
import json, jsonschema; jsonschema.validate(json.load(open('$tmp/chain-$n.json')), json.load(open('$src/schemas/evidence-1.schema.json')))"
    fi
    # A shard holding a passage of the book: the scan run counts it for the work.
    python3 - "$tmp/cdata" "$ev/$sc/ground-truth.json" "$tmp/chain-$n.jsonl" <<'PY'
import json, sys
gt = json.load(open(sys.argv[2])); t = gt["torrent"]
f = [f for f in gt["files"] if not f["pad"]][0]
rel = f["path"] if f["path"] == t["name"] else t["name"] + "/" + f["path"]
text = open(f"{sys.argv[1]}/{rel}", encoding="utf-8", errors="replace").read()
mid = len(text) // 2
passage = text[mid:mid + 1200]
passage = passage[passage.index(" ") + 1:passage.rindex(" ")]
with open(sys.argv[3], "w", encoding="utf-8") as out:
    out.write(json.dumps({"id": "doc1", "text": "Unrelated words first. " + passage + " and then zzz qqq"}) + "\n")
PY
    expect_rc "chain $n: scan a shard with a passage of the book" 0 "$bin" scan -q --index "$tmp/cidx-$n" --out "$tmp/crun-$n" "$tmp/chain-$n.jsonl"
    expect_rc "chain $n: evidence show --work --run" 0 "$bin" evidence show --index "$tmp/cidx-$n" --work "$w" --run "$tmp/crun-$n" --json
    check "chain $n: the run's passages of the work are counted" python3 "$tmp/chain_check.py" run "$ev/$sc" "$ev/content" "$tmp/out"
  done
  # Without --work, a recorded torrent's summary lists the works its files are linked to.
  if [ -d "$tmp/cidx-s3" ]; then
    s3="$ev/s3-qbittorrent-seeds-hybrid-libtorrent-downloads"
    w=$(python3 "$tmp/chain_check.py" work "$s3" "$ev/content")
    expect_rc "chain: --work with --infohash naming the linked hybrid by its truncated v2 hash" 0 \
      "$bin" evidence show --index "$tmp/cidx-s3" --work "$w" --infohash 23ed2411712a6fae220ca18d8b2737e4cf5ef5c9 --json
    check "chain: the hybrid named twice is one torrent" python3 "$tmp/chain_check.py" show "$s3" "$ev/content" "$tmp/out"
    check "chain: ... and only one" python3 -c "
import json; [w]=json.load(open('$tmp/out'))['works']; assert len(w['torrents'])==1, [t['hashes'] for t in w['torrents']]"
    expect_rc "chain: evidence show (all torrents)" 0 "$bin" evidence show --index "$tmp/cidx-s3" --json
    check "chain: the hybrid's summary is one torrent with both linked works" python3 - "$tmp/out" "$ev/content/SHA256SUMS" <<'PY'
import json, sys
out = json.load(open(sys.argv[1]))
sums = {l[66:].rstrip("\n"): l[:64] for l in open(sys.argv[2])}
ts = [t for t in out["torrents"] if t["record"] and t["record"]["primary"] == "df382abf995eace8c017da91bf63ddabe0c6b823"]
assert len(ts) == 1, [t["hashes"] for t in out["torrents"]]
assert ts[0]["linked_works"] == sorted([sums["KJV Law II/Exodus.txt"], sums["KJV Law II/Leviticus.txt"]]), ts[0]["linked_works"]
assert [v["path"] for v in ts[0]["verified_files"]] == ["KJV Law II/Exodus.txt", "KJV Law II/Leviticus.txt"]
PY
  fi
else
  echo "skipped: the chain (../shared/torrent-evidence not present)"
fi

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
