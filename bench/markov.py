#!/usr/bin/env python3
"""bench/markov.py: text with natural word frequencies for benchmarks.

Words are drawn independently from the training texts' word stream (so their frequencies are
natural) rather than from a Markov chain: a chain trained on a few books reproduces long
stretches of them, which makes every generated work share passages with every other one and
turns the benchmark into a stress test of verification instead of a measure of throughput.

  markov.py works OUT_DIR FIRST STEP COUNT WORDS TRAIN...   works FIRST, FIRST+STEP, ... as .txt
  markov.py shards OUT_DIR WORKS_DIR MB TRAIN...            .jsonl.zst shards of Markov text with
                                                           passages of the works in 1 doc in 10
Each work is seeded by its number, so the corpus is the same on every run.
"""
import glob
import json
import os
import random
import subprocess
import sys


def train(files):
    words = [w for f in files for w in open(f, encoding="utf-8-sig").read().split()]
    return None, words


def train_chain(files):
    words = [w for f in files for w in open(f, encoding="utf-8-sig").read().split()]
    chain = {}
    for a, b, c in zip(words, words[1:], words[2:]):
        chain.setdefault((a, b), []).append(c)
    return chain, list(chain)


def walk(rnd, chain, keys, n):
    return rnd.choices(keys, k=n)


def markov_walk(rnd, chain, keys, n):  # kept for stress runs of the verifier
    a, b = rnd.choice(keys)
    out = [a, b]
    while len(out) < n:
        nxt = chain.get((a, b))
        if not nxt:
            a, b = rnd.choice(keys)
            out += [a, b]
            continue
        c = rnd.choice(nxt)
        out.append(c)
        a, b = b, c
    return out


def works(out, first, step, count, nwords, files):
    chain, keys = train(files)
    for i in range(first, count, step):
        ws = walk(random.Random(i), chain, keys, nwords)
        lines = (" ".join(ws[j:j + 12]) for j in range(0, len(ws), 12))
        with open(f"{out}/work-{i:05d}.txt", "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")


def shards(out, works_dir, mb, files):
    chain, keys = train(files)
    # Not a small integer: work i is generated from random.Random(i), and with seed 7 the
    # shards' first documents were work 7's own word stream (61 "unplanted" documents
    # matched it verbatim in the 1 GB benchmark of 2026-11-29).
    rnd = random.Random("provaudit shards")
    work_files = sorted(glob.glob(f"{works_dir}/*.txt"))
    per_shard, target = 250 * 1000 * 1000, mb * 1000 * 1000
    total = n = shard = planted = 0
    while total < target:
        zstd = subprocess.Popen(["zstd", "-q", "-3", "-o", f"{out}/s{shard:03d}.jsonl.zst"],
                                stdin=subprocess.PIPE)
        size = 0
        while size < per_shard and total < target:
            doc = walk(rnd, chain, keys, rnd.randrange(200, 1200))
            if n % 10 == 0:
                # A stretch of a random work from a random offset (reading whole works here
                # made generating 1 GB of shards take an hour).
                path = work_files[rnd.randrange(len(work_files))]
                with open(path, "rb") as f:
                    f.seek(rnd.randrange(0, max(1, os.path.getsize(path) - 16000)))
                    w = f.read(16000).decode("utf-8", "ignore").split()[1:]
                k = rnd.randrange(len(doc))
                doc = doc[:k] + w[:rnd.randrange(25, 400)] + doc[k:]
                planted += 1
            text = " ".join(doc)
            zstd.stdin.write((json.dumps({"id": n, "text": text}) + "\n").encode())
            size += len(text.encode())
            total += len(text.encode())
            n += 1
        zstd.stdin.close()
        zstd.wait()
        shard += 1
    print(f"shards: {shard} files, {n} documents, {total / 1e6:.0f} MB of text, {planted} planted passages")


if __name__ == "__main__":
    if sys.argv[1] == "works":
        works(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]), sys.argv[7:])
    else:
        shards(sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5:])
