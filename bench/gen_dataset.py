#!/usr/bin/env python3
"""Deterministic benchmark data set for Strata's `make bench`.

Usage: gen_dataset.py DIR SIZE_MIB            create the data set (fixed seeds)
       gen_dataset.py --mutate DIR SEED       change ~5 % of it the way a day does
       gen_dataset.py --mutate-steady DIR SEED
                                              the same, but the tree keeps about its size
                                              and file count over hundreds of mutations

The mix, by share of bytes: PostgreSQL-like relation files made of 8 KiB pages (40 %),
tens of thousands of small text/JSON/log files (10 %), incompressible blobs such as
sealed secrets or encrypted dumps (25 %), and compressible binaries (25 %).
"""
import json
import os
import random
import shutil
import struct
import sys

PAGE = 8192


def page(rng, relid, blockno, words):
    """An 8 KiB heap-like page: a header, a line-pointer array and tuples of text/ints."""
    out = bytearray(PAGE)
    struct.pack_into("<QHHHHI", out, 0, rng.getrandbits(64), 0, 0, 24, PAGE - 1, blockno)
    pos, nt = PAGE, 0
    while True:
        row = "%d|%d|%s|%s|%0.4f" % (relid, rng.randrange(10**9), rng.choice(words),
                                     " ".join(rng.choice(words) for _ in range(rng.randrange(2, 12))),
                                     rng.random() * 1000)
        tup = struct.pack("<IIH", rng.getrandbits(32), rng.getrandbits(32), len(row)) + row.encode()
        if pos - len(tup) < 24 + 4 * (nt + 1) + 64:
            break
        pos -= len(tup)
        out[pos:pos + len(tup)] = tup
        struct.pack_into("<I", out, 24 + 4 * nt, pos)
        nt += 1
    return bytes(out)


def relation_file(path, rng, size, relid, words):
    with open(path, "wb") as f:
        for b in range(size // PAGE):
            f.write(page(rng, relid, b, words))


def compressible_binary(rng, size):
    """Code-like bytes: repeated instruction-ish patterns, tables and some noise."""
    motifs = [rng.randbytes(rng.randrange(8, 64)) for _ in range(256)]
    out = bytearray()
    while len(out) < size:
        r = rng.random()
        if r < 0.7:
            out += rng.choice(motifs)
        elif r < 0.9:
            out += struct.pack("<I", rng.randrange(0, 4096)) * rng.randrange(1, 16)
        else:
            out += rng.randbytes(rng.randrange(4, 64))
    return bytes(out[:size])


def small_file(rng, i, words):
    kind = i % 3
    if kind == 0:
        return json.dumps({"id": i, "name": rng.choice(words), "tags": [rng.choice(words) for _ in range(5)],
                           "value": rng.random(), "nested": {"a": rng.randrange(1000), "b": rng.choice(words)}},
                          indent=2).encode() * rng.randrange(1, 6)
    if kind == 1:
        return "".join("2026-11-%02d 12:%02d:%02d INFO %s request %s took %dms\n" % (
            rng.randrange(1, 29), rng.randrange(60), rng.randrange(60), rng.choice(words), rng.choice(words),
            rng.randrange(1, 900)) for _ in range(rng.randrange(5, 80))).encode()
    return ("# %s\n" % rng.choice(words) + "\n".join(" ".join(rng.choice(words) for _ in range(12))
                                                      for _ in range(rng.randrange(3, 60)))).encode()


def generate(root, size_mib):
    rng = random.Random(20261125)
    words = ["".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randrange(3, 11)))
             for _ in range(4000)]
    total = size_mib * 1024 * 1024
    # relation files
    base = os.path.join(root, "pgdata", "base", "16384")
    os.makedirs(base, exist_ok=True)
    budget, relid = total * 40 // 100, 16400
    while budget > 0:
        size = min(budget, rng.choice([1, 2, 4, 8, 16, 32]) * 1024 * 1024)
        size -= size % PAGE
        if size <= 0:
            break
        relation_file(os.path.join(base, str(relid)), rng, size, relid, words)
        budget -= size
        relid += 1
    # small files in a nested tree
    budget, i = total * 10 // 100, 0
    while budget > 0:
        d = os.path.join(root, "app", "site%02d" % (i % 40), "dir%03d" % ((i // 40) % 200))
        os.makedirs(d, exist_ok=True)
        data = small_file(rng, i, words)
        with open(os.path.join(d, "f%06d.%s" % (i, ["json", "log", "txt"][i % 3])), "wb") as f:
            f.write(data)
        budget -= len(data)
        i += 1
    # incompressible blobs
    d = os.path.join(root, "sealed")
    os.makedirs(d, exist_ok=True)
    budget, i = total * 25 // 100, 0
    while budget > 0:
        size = min(budget, rng.randrange(64 * 1024, 48 * 1024 * 1024))
        with open(os.path.join(d, "blob%04d.enc" % i), "wb") as f:
            f.write(rng.randbytes(size))
        budget -= size
        i += 1
    # compressible binaries
    d = os.path.join(root, "bin")
    os.makedirs(d, exist_ok=True)
    budget, i = total * 25 // 100, 0
    while budget > 0:
        size = min(budget, rng.randrange(256 * 1024, 24 * 1024 * 1024))
        with open(os.path.join(d, "prog%04d" % i), "wb") as f:
            f.write(compressible_binary(rng, size))
        budget -= size
        i += 1


def mutate(root, seed, steady=False):
    """~5 % of bytes change: pages rewritten in relation files, log appends, files added/removed.
    Returns the bytes changed (written, appended or removed).

    steady: for long series (bench.py's scale mode). The files added by earlier mutations
    are deleted first (not counted as changed), a log above 16 KiB is rotated (rewritten
    with the new lines only) and every small file removed is replaced by a new one in the
    same directory, so size and file count stay about constant."""
    rng = random.Random(seed)
    words = ["w%d" % i for i in range(500)]
    if steady:
        app = os.path.join(root, "app")
        for n in sorted(os.listdir(app)):
            if n.startswith("new-"):
                shutil.rmtree(os.path.join(app, n))
    files = []
    for dirpath, _, names in os.walk(root):
        for n in sorted(names):
            files.append(os.path.join(dirpath, n))
    files.sort()
    total = sum(os.path.getsize(f) for f in files)
    target, changed = total * 5 // 100, 0
    rels = [f for f in files if "/pgdata/" in f]
    while changed < target * 0.6 and rels:
        f = rng.choice(rels)
        size = os.path.getsize(f)
        with open(f, "r+b") as fh:
            for _ in range(16):
                b = rng.randrange(max(1, size // PAGE))
                fh.seek(b * PAGE)
                fh.write(page(rng, 1, b, words))
                changed += PAGE
    logs = [f for f in files if f.endswith(".log")]
    for f in rng.sample(logs, min(len(logs), 300)):
        rotate = steady and os.path.getsize(f) > 16384
        with open(f, "wb" if rotate else "ab") as fh:
            data = small_file(rng, 1, words)
            fh.write(data)
            changed += len(data)
    smalls = [f for f in files if "/app/" in f]
    for k, f in enumerate(rng.sample(smalls, min(len(smalls), 200))):
        changed += os.path.getsize(f)
        os.remove(f)
        if steady:
            ext = os.path.splitext(f)[1]
            data = small_file(rng, {".json": 0, ".log": 1}.get(ext, 2), words)
            with open(os.path.join(os.path.dirname(f), "r%d-%03d%s" % (seed, k, ext)), "wb") as fh:
                fh.write(data)
            changed += len(data)
    d = os.path.join(root, "app", "new-%d" % seed)
    os.makedirs(d, exist_ok=True)
    i = 0
    while changed < target:
        data = small_file(rng, i, words) if i % 10 else rng.randbytes(rng.randrange(1 << 20, 4 << 20))
        with open(os.path.join(d, "n%05d" % i), "wb") as fh:
            fh.write(data)
        changed += len(data)
        i += 1
    return changed


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] in ("--mutate", "--mutate-steady"):
        mutate(sys.argv[2], int(sys.argv[3]), steady=sys.argv[1] == "--mutate-steady")
    elif len(sys.argv) == 3:
        generate(sys.argv[1], int(sys.argv[2]))
    else:
        sys.exit(__doc__)
