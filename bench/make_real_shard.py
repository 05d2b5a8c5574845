#!/usr/bin/env python3
"""bench/make_real_shard.py: a shard of real English text, for the scan's unrelated-text case.

run_large_bench.sh's filler draws words independently from natural text, so its chance 5-word
agreements with the (equally drawn) works are ~200 times those of real prose: 3.6 % of its
sampled shingles are found in the 1,000-work index against 0.02 % for real English. This
script cuts the shared corpus's English texts into ~4 KB documents and repeats them up to MB
megabytes, so a scan of it measures the per-byte pipeline on text that is mostly unrelated to
the works, as a legal scan's input mostly is.

  make_real_shard.py OUT.jsonl.zst MB TEXT...     (e.g. ../shared/corpus/texts/en/*.txt)
"""
import json
import subprocess
import sys


def main(out, mb, files):
    docs = []
    for f in sorted(files):
        cur = ""
        for p in open(f, encoding="utf-8-sig").read().split("\n\n"):
            if not p.strip():
                continue
            cur += p + "\n\n"
            if len(cur) > 4000:
                docs.append(cur)
                cur = ""
        if cur:
            docs.append(cur)
    if not docs:
        sys.exit("make_real_shard.py: no text")
    z = subprocess.Popen(["zstd", "-q", "-3", "-f", "-o", out], stdin=subprocess.PIPE)
    total = n = 0
    while total < mb * 1e6:
        for d in docs:
            z.stdin.write((json.dumps({"id": n, "text": d}) + "\n").encode())
            n += 1
            total += len(d.encode())
            if total >= mb * 1e6:
                break
    z.stdin.close()
    z.wait()
    print(f"{out}: {n} documents, {total / 1e6:.0f} MB of text from {len(files)} files")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), sys.argv[3:])
