#!/usr/bin/env bash
# tests/cli/real_clients_test.sh: real BitTorrent software on 127.0.0.1 (issue 5 item 6).
# Two python3-libtorrent peers (../shared/torrent-evidence/tools/lt_agent.py) move Genesis.txt
# over loopback only, no tracker needed (--connect); `evidence add` of their alert logs and
# `evidence show` must then name the seeder as the uploader of every content byte, to the
# downloader's peer id, as rank 1 evidence, with the downloader's lines agreeing.
# Every process started is stopped by its PID. Skips (exit 0) without python3-libtorrent or
# ../shared. Usage: real_clients_test.sh PATH/TO/provaudit SOURCE_DIR
set -u
bin=$1
src=$2
ev="$src/../shared/torrent-evidence"
py=/usr/bin/python3
if [ ! -f "$ev/tools/lt_agent.py" ] || ! "$py" -c "import libtorrent" 2>/dev/null; then
  echo "skipped: needs ../shared/torrent-evidence and python3-libtorrent"; exit 0
fi
tmp=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  rm -rf "$tmp"
}
trap cleanup EXIT
mkdir -p "$tmp/seed" "$tmp/dl"
cp "$ev/content/Genesis.txt" "$tmp/seed/"
torrent="$ev/torrents/Genesis.v1.torrent"
port=$((20000 + RANDOM % 20000))
timeout 60 "$py" "$ev/tools/lt_agent.py" --role seed --torrent "$torrent" --save-path "$tmp/seed" --port "$port" \
  --jsonl "$tmp/seeder-alerts.jsonl" --exit-when uploaded:208397 --linger 1 --max-seconds 40 >"$tmp/seeder.out" 2>&1 &
pids+=($!)
sleep 2
timeout 60 "$py" "$ev/tools/lt_agent.py" --role download --torrent "$torrent" --save-path "$tmp/dl" \
  --port $((port + 1)) --connect "127.0.0.1:$port" --jsonl "$tmp/downloader-alerts.jsonl" --exit-when finished \
  --linger 1 --max-seconds 40 >"$tmp/dl.out" 2>&1
wait "${pids[0]}"
fail=0
cmp -s "$tmp/dl/Genesis.txt" "$tmp/seed/Genesis.txt" || { echo "FAIL: the download differs"; fail=1; }
"$bin" evidence add --index "$tmp/idx" "$tmp/seeder-alerts.jsonl" "$tmp/downloader-alerts.jsonl" >/dev/null ||
  { echo "FAIL: evidence add"; fail=1; }
"$bin" evidence show --index "$tmp/idx" --json >"$tmp/show.json" || { echo "FAIL: evidence show"; fail=1; }
python3 - "$tmp/show.json" "$tmp/seed/Genesis.txt" <<'PY' || fail=1
import json, os, sys
show, size = json.load(open(sys.argv[1])), os.path.getsize(sys.argv[2])
[t] = show["torrents"]
assert "c50e647feae36745cc1bde26753ef39572cf21bc" in t["hashes"], t["hashes"]
assert t["strongest_rank"] == 1, t
[up] = [g for g in t["uploader_blocks"] if g["observer"] == "seeder"]
assert up["bytes"] == size and up["pieces"] == 7, up
assert up["peer_named_by"] == "peer id" and up["peer"].startswith("-LT2080-"), up
[down] = [g for g in t["receiver_blocks"] if g["observer"] == "downloader"]
assert down["bytes"] == size and down["peer"].startswith("-LT2080-"), down
print("real clients: seeder uploaded %d bytes to %s; the downloader's log agrees" % (up["bytes"], up["peer"]))
PY
[ $fail = 0 ] || { tail -5 "$tmp/seeder.out" "$tmp/dl.out"; }
exit $fail
