#!/usr/bin/env python3
"""Compare two file trees (or a tree and a recorded manifest) exactly.

usage:
  compare_trees.py [options] A B           A, B: directories or manifest files
  compare_trees.py --save-manifest DIR OUT record DIR's metadata + content hashes

Compared for every entry (the root directory itself is entry "."): the set of
names, type, permission bits (not for symlinks), uid/gid, mtime in ns (lstat, so
symlinks' own mtime), size and content of regular files (SHA-256 over the
non-zero 1 MiB blocks, so a hole and written zeros compare equal), symlink
targets, device numbers, hard-link structure (the group of names sharing an
inode inside the tree must be the same in B as in A, and B's inode may not have more
names outside the tree than A's), user.* xattrs, and
sparseness (a file sparse in A - allocated < size/2, size >= 1 MiB - must be
sparse in B too). atime and ctime are never compared.

options:
  --ignore-atime   accepted for clarity; atime is never compared
  --no-owner       do not compare uid/gid
  --no-xattrs      do not compare xattrs
  --no-sparse      do not check sparseness
  --no-root-meta   do not compare the root directory's own metadata
  --no-dir-mtime   do not compare directory mtimes
  --exclude REL    skip REL and everything below it (repeatable)
  --quiet          print only differences

Prints every difference, one per line, and exits 1 if there is any, 0 if not,
2 on usage errors. Standard library only.
"""
import argparse
import errno
import hashlib
import json
import os
import stat
import sys

BLOCK = 1 << 20
ZERO = bytes(BLOCK)
SPARSE_MIN = 1 << 20


def ftype(mode):
    if stat.S_ISREG(mode):
        return "file"
    if stat.S_ISDIR(mode):
        return "dir"
    if stat.S_ISLNK(mode):
        return "symlink"
    if stat.S_ISFIFO(mode):
        return "fifo"
    if stat.S_ISCHR(mode):
        return "chardev"
    if stat.S_ISBLK(mode):
        return "blockdev"
    if stat.S_ISSOCK(mode):
        return "socket"
    return "unknown"


def data_blocks(fd, size):
    """Indices of the BLOCK-sized blocks that may hold data (skips holes)."""
    blocks = []
    off = 0
    last = -1
    while off < size:
        try:
            d = os.lseek(fd, off, os.SEEK_DATA)
        except OSError as e:
            if e.errno == errno.ENXIO:
                break
            if e.errno in (errno.EINVAL, errno.EOPNOTSUPP):
                return list(range((size + BLOCK - 1) // BLOCK))
            raise
        try:
            e_ = os.lseek(fd, d, os.SEEK_HOLE)
        except OSError:
            e_ = size
        e_ = min(e_, size)
        if e_ <= d:
            break
        for b in range(max(d // BLOCK, last + 1), (e_ - 1) // BLOCK + 1):
            blocks.append(b)
            last = b
        off = e_
    return blocks


def content_digest(path, size):
    """SHA-256 of (size, [(index, block) for non-zero blocks]): layout-invariant."""
    h = hashlib.sha256()
    h.update(b"size:%d\n" % size)
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    try:
        for b in data_blocks(fd, size):
            data = os.pread(fd, BLOCK, b * BLOCK)
            if data == ZERO[:len(data)]:
                continue
            h.update(b"blk:%d:%d\n" % (b, len(data)))
            h.update(data)
    finally:
        os.close(fd)
    return h.hexdigest()


def user_xattrs(path):
    try:
        names = os.listxattr(path, follow_symlinks=False)
    except OSError:
        return {}
    out = {}
    for n in sorted(names):
        if not n.startswith("user."):
            continue
        try:
            out[n] = os.getxattr(path, n, follow_symlinks=False).hex()
        except OSError as e:
            out[n] = "<error %s>" % e.strerror
    return out


def scan(root, excludes=()):
    """Return {rel: entry} for root (rel ".") and everything below it."""
    root = os.path.abspath(root)
    entries = {}
    inodes = {}

    def visit(path, rel):
        if rel in excludes:
            return
        st = os.lstat(path)
        t = ftype(st.st_mode)
        e = {
            "type": t,
            "mode": stat.S_IMODE(st.st_mode),
            "uid": st.st_uid,
            "gid": st.st_gid,
            "mtime_ns": st.st_mtime_ns,
            "xattrs": user_xattrs(path) if t != "symlink" else {},
        }
        if t == "file":
            e["size"] = st.st_size
            e["alloc"] = st.st_blocks * 512
            e["sparse"] = st.st_size >= SPARSE_MIN and st.st_blocks * 512 < st.st_size // 2
            e["sha256"] = content_digest(path, st.st_size)
            e["nlink"] = st.st_nlink
            if st.st_nlink > 1:
                inodes.setdefault((st.st_dev, st.st_ino), []).append(rel)
        elif t == "symlink":
            e["target"] = os.fsencode(os.readlink(path)).hex()
            e["target_text"] = os.readlink(path)
        elif t in ("chardev", "blockdev"):
            e["rdev"] = [os.major(st.st_rdev), os.minor(st.st_rdev)]
        entries[rel] = e
        if t == "dir":
            for name in sorted(os.listdir(path)):
                visit(os.path.join(path, name),
                      name if rel == "." else rel + "/" + name)

    visit(root, ".")
    for rel, e in entries.items():
        e.setdefault("links", None)
        if e["type"] == "file":
            e["links_outside"] = e["nlink"] - 1   # names of this inode outside the tree
    for names in inodes.values():
        if len(names) > 1:
            group = sorted(names)
            for n in names:
                entries[n]["links"] = group
                entries[n]["links_outside"] = entries[n]["nlink"] - len(group)
    return entries


def load(arg, excludes):
    if os.path.isdir(arg):
        return scan(arg, excludes), arg
    with open(arg) as f:
        m = json.load(f)
    ents = m["entries"]
    if excludes:
        ents = {k: v for k, v in ents.items()
                if not any(k == x or k.startswith(x + "/") for x in excludes)}
    return ents, None


def first_diff_offset(a, b):
    with open(a, "rb") as fa, open(b, "rb") as fb:
        off = 0
        while True:
            x = fa.read(BLOCK)
            y = fb.read(BLOCK)
            if x != y:
                for i in range(min(len(x), len(y))):
                    if x[i] != y[i]:
                        return off + i
                return off + min(len(x), len(y))
            if not x:
                return None
            off += len(x)


def show(rel):
    if any(c in rel for c in "\n\t\\\"") or any(0xdc80 <= ord(c) <= 0xdcff for c in rel):
        return json.dumps(rel)
    return rel


def short(hexval):
    if hexval is None:
        return "<absent>"
    return "hex:" + (hexval if len(hexval) <= 40 else hexval[:40] + "...(%d bytes)" % (len(hexval) // 2))


def compare(A, B, opts, dirA=None, dirB=None):
    diffs = []

    def d(rel, msg):
        diffs.append("%s: %s" % (show(rel), msg))

    for rel in sorted(set(A) - set(B)):
        d(rel, "missing in B (%s)" % A[rel]["type"])
    for rel in sorted(set(B) - set(A)):
        d(rel, "extra in B (%s)" % B[rel]["type"])
    for rel in sorted(set(A) & set(B)):
        a, b = A[rel], B[rel]
        if a["type"] != b["type"]:
            d(rel, "type %s != %s" % (a["type"], b["type"]))
            continue
        t = a["type"]
        meta = not (rel == "." and opts.no_root_meta)
        if meta and t != "symlink" and a["mode"] != b["mode"]:
            d(rel, "mode %04o != %04o" % (a["mode"], b["mode"]))
        if meta and not opts.no_owner and (a["uid"], a["gid"]) != (b["uid"], b["gid"]):
            d(rel, "owner %d:%d != %d:%d" % (a["uid"], a["gid"], b["uid"], b["gid"]))
        if meta and not (t == "dir" and opts.no_dir_mtime) and a["mtime_ns"] != b["mtime_ns"]:
            d(rel, "mtime_ns %d != %d" % (a["mtime_ns"], b["mtime_ns"]))
        if meta and not opts.no_xattrs and a["xattrs"] != b["xattrs"]:
            xa, xb = a["xattrs"], b["xattrs"]
            for k in sorted(set(xa) | set(xb)):
                if xa.get(k) != xb.get(k):
                    d(rel, "xattr %s: %s != %s" % (k, short(xa.get(k)), short(xb.get(k))))
        if t == "file":
            if a["size"] != b["size"]:
                d(rel, "size %d != %d" % (a["size"], b["size"]))
            if a["sha256"] != b["sha256"]:
                extra = ""
                if dirA and dirB:
                    pa = os.path.join(dirA, rel)
                    pb = os.path.join(dirB, rel)
                    extra = " (first difference at byte %s)" % first_diff_offset(pa, pb)
                d(rel, "content differs%s" % extra)
            if not opts.no_sparse and a["sparse"] and not b["sparse"]:
                d(rel, "sparse in A (%d bytes allocated) but not in B (%d of %d bytes allocated)"
                  % (a["alloc"], b["alloc"], b["size"]))
            if a["links"] != b["links"]:
                d(rel, "hard-link group %s != %s" % (a["links"], b["links"]))
            elif b.get("links_outside", 0) > a.get("links_outside", 0):
                d(rel, "in B the inode also has %d name(s) outside the tree (A: %d)"
                  % (b["links_outside"], a.get("links_outside", 0)))
        elif t == "symlink":
            if a["target"] != b["target"]:
                d(rel, "symlink target %r != %r" % (a["target_text"], b["target_text"]))
        elif t in ("chardev", "blockdev"):
            if a.get("rdev") != b.get("rdev"):
                d(rel, "rdev %s != %s" % (a.get("rdev"), b.get("rdev")))
    return diffs


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("paths", nargs="*")
    ap.add_argument("--save-manifest", nargs=2, metavar=("DIR", "OUT"))
    ap.add_argument("--ignore-atime", action="store_true")
    ap.add_argument("--no-owner", action="store_true")
    ap.add_argument("--no-xattrs", action="store_true")
    ap.add_argument("--no-sparse", action="store_true")
    ap.add_argument("--no-root-meta", action="store_true")
    ap.add_argument("--no-dir-mtime", action="store_true")
    ap.add_argument("--exclude", action="append", default=[])
    ap.add_argument("--quiet", action="store_true")
    opts = ap.parse_args()
    sys.stdout.reconfigure(errors="backslashreplace")
    sys.stderr.reconfigure(errors="backslashreplace")
    excludes = set(x.strip("/") for x in opts.exclude)

    if opts.save_manifest:
        src, out = opts.save_manifest
        if not os.path.isdir(src):
            print("compare_trees: %s is not a directory" % src, file=sys.stderr)
            return 2
        ents = scan(src, excludes)
        tmp = out + ".tmp"
        with open(tmp, "w") as f:
            json.dump({"version": 1, "root": os.path.abspath(src), "entries": ents}, f)
        os.replace(tmp, out)
        return 0

    if len(opts.paths) != 2:
        ap.print_usage(sys.stderr)
        return 2
    for p in opts.paths:
        if not os.path.exists(p):
            print("compare_trees: %s does not exist" % p, file=sys.stderr)
            return 2
    A, dirA = load(opts.paths[0], excludes)
    B, dirB = load(opts.paths[1], excludes)
    diffs = compare(A, B, opts, dirA, dirB)
    for line in diffs:
        print(line)
    if diffs:
        print("compare_trees: %d difference(s) between %s and %s"
              % (len(diffs), opts.paths[0], opts.paths[1]), file=sys.stderr)
        return 1
    if not opts.quiet:
        print("compare_trees: identical (%d entries)" % len(A), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
