#!/usr/bin/env python3
"""Generate a deterministic test tree for the Strata CLI integration tests.

usage: make_tree.py DIR [--profile full|bulk] [--seed N] [--size-mib N]
                        [--no-sparse] [--no-weird-names]

Profiles
  full  (default) every kind of entry a backup tool must round-trip:
        regular files of many sizes (0 B, 1 B, KiB, several MiB random and
        compressible), a 1.5 GiB sparse file (a few MiB of data, the rest holes,
        trailing hole), a small sparse file with a leading hole, binary files,
        relative / absolute / dangling symlinks, a hard-linked group of 3 names
        (the first name in traversal order lies outside the other names' subtree)
        and a pair, unicode / odd / non-UTF-8 names, a 40-level deep path,
        mode 0000 file (root only) and a 0500 dir, setuid/setgid files, setgid and
        sticky dirs, a 5 GiB sparse file (data past 4 GiB), user.* xattrs, a fifo,
        varied ns mtimes (pre-1970, far future, ns fractions), files owned by
        1234:5678 (root only), an empty dir.
  bulk  --size-mib MiB (default 200) of random data in a mix of file sizes plus a
        few compressible files, for crash / concurrency tests.

Content is a pure function of (profile, seed, size); so are all mtimes. The
directory must not exist or be empty.  Only the Python standard library is used.
"""
import argparse
import errno
import os
import random
import stat
import sys

KIB = 1024
MIB = 1024 * 1024
GIB = 1024 * MIB

IS_ROOT = os.geteuid() == 0


def warn(msg):
    print("make_tree: " + msg, file=sys.stderr)


class Maker:
    def __init__(self, root, seed):
        self.root = os.path.abspath(root)
        self.rng = random.Random(seed)
        self.seed = seed
        self.mtime_list = []       # (path, ns) applied at the end, deepest first
        self.dirs = [self.root]
        self.counter = 0
        self.xattr_ok = None
        self.sparse_ok = True

    # ---- helpers --------------------------------------------------------
    def p(self, rel):
        return os.path.join(self.root, rel)

    def rand(self, n):
        return self.rng.randbytes(n)

    def mkdir(self, rel, mode=0o755):
        path = self.p(rel)
        os.makedirs(path, exist_ok=True)
        os.chmod(path, mode)
        if path not in self.dirs:
            self.dirs.append(path)
        return path

    def write(self, rel, data, mode=0o644):
        path = self.p(rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
        os.chmod(path, mode)
        return path

    def compressible(self, n):
        words = [b"alpha", b"beta", b"gamma", b"delta", b"strata", b"backup",
                 b"restore", b"snapshot", b"chunk", b"pack", b"index", b"tree"]
        out = bytearray()
        line = 0
        while len(out) < n:
            w = b" ".join(words[(line * 7 + i) % len(words)] for i in range(8))
            out += b"%08d " % line + w + b"\n"
            line += 1
        return bytes(out[:n])

    def setx(self, rel, name, value):
        path = self.p(rel)
        try:
            os.setxattr(path, name, value, follow_symlinks=False)
            self.xattr_ok = True
        except OSError as e:
            if self.xattr_ok is None:
                warn("xattrs not supported here (%s); skipping xattrs" % e)
            self.xattr_ok = False

    def sparse(self, rel, size, pieces):
        """pieces: list of (offset, length) filled with random data."""
        path = self.p(rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            for off, ln in pieces:
                os.lseek(fd, off, os.SEEK_SET)
                os.write(fd, self.rand(ln))
            os.ftruncate(fd, size)
        finally:
            os.close(fd)
        st = os.stat(path)
        if st.st_blocks * 512 > size // 2:
            warn("%s is not sparse on this filesystem (%d blocks)" % (rel, st.st_blocks))
            self.sparse_ok = False
        return path

    def next_mtime(self):
        """Varied, deterministic ns mtimes."""
        self.counter += 1
        i = self.counter
        special = {
            3: -315619200 * 10**9 + 987654321,   # 1960, pre-epoch with fraction
            5: 4102444800 * 10**9 + 1,           # 2100-01-01, 1 ns
            7: 0,                                # the epoch itself
            11: 1700000000 * 10**9,              # whole second
            13: 946684799 * 10**9 + 999999999,   # last ns of 1999
        }
        if i in special:
            return special[i]
        return (1500000000 + i * 7919) * 10**9 + (i * 123456789) % 10**9

    def set_all_mtimes(self):
        """Give every entry a deterministic mtime; dirs last, deepest first."""
        files = []
        for dirpath, dirnames, filenames in os.walk(self.root):
            dirnames.sort()
            for n in sorted(filenames) + sorted(d for d in dirnames
                                                if os.path.islink(os.path.join(dirpath, d))):
                files.append(os.path.join(dirpath, n))
        seen = set()
        for f in files:
            st = os.lstat(f)
            key = (st.st_dev, st.st_ino)
            if key in seen:          # hard links share one inode and one mtime
                continue
            seen.add(key)
            m = self.next_mtime()
            os.utime(f, ns=(m + 5 * 10**9, m), follow_symlinks=False)
        alldirs = []
        for dirpath, dirnames, _ in os.walk(self.root):
            alldirs.append(dirpath)
        alldirs.sort(key=lambda d: (-d.count(os.sep), d))
        for d in alldirs:
            m = self.next_mtime()
            os.utime(d, ns=(m + 5 * 10**9, m), follow_symlinks=False)

    # ---- profiles -------------------------------------------------------
    def full(self, with_sparse=True, weird_names=True):
        os.makedirs(self.root, exist_ok=True)
        os.chmod(self.root, 0o755)

        # hard-link group whose first name (traversal order) is outside hl/
        self.write("aa_first/x", b"hard link group of three names\n" + self.rand(5000))

        # regular files of various sizes
        self.write("files/empty", b"")
        self.write("files/one", b"x")
        self.write("files/small.txt", self.compressible(3 * KIB + 7))
        self.write("files/4k.bin", self.rand(4096))
        self.write("files/random_5m.bin", self.rand(5 * MIB + 17))
        self.write("files/exact_1m.bin", self.rand(MIB))
        self.write("files/chunkmin_minus1.bin", self.rand(512 * KIB - 1))
        self.write("files/compressible_4m.txt", self.compressible(4 * MIB + 3))
        self.write("files/zeros_2m", bytes(2 * MIB))   # written zeros, not a hole
        blk = self.rand(64 * KIB)
        mixed = bytearray()
        for i in range(48):
            if i % 4 == 0:
                mixed += bytes(64 * KIB)
            elif i % 4 == 1:
                mixed += blk                           # repeated block (dedup)
            else:
                mixed += self.rand(64 * KIB)
        self.write("files/mixed_3m.bin", bytes(mixed))
        self.write("files/dup_of_random_5m.bin",
                   open(self.p("files/random_5m.bin"), "rb").read())
        self.write("files/exec.sh", b"#!/bin/sh\necho hello\n", 0o755)
        self.write("files/mode0640", b"group readable\n", 0o640)
        self.write("files/mode0604", b"other readable\n", 0o604)

        # binary files
        self.write("bin/all_bytes.bin", bytes(range(256)) * 64)
        self.write("bin/with_nul.bin", b"\x00\x01\x02\x00\xff\xfe\x00" * 999)
        self.write("bin/elf_like", b"\x7fELF\x02\x01\x01" + self.rand(20000))

        # sparse files
        if with_sparse:
            self.sparse("sparse/big_sparse.img", 1536 * MIB,
                        [(0, MIB), (768 * MIB + 3 * 4096, 2 * MIB),
                         (GIB + 12345, MIB)])          # trailing hole to 1.5 GiB
            self.sparse("sparse/tail_data.img", 64 * MIB,
                        [(64 * MIB - 512 * KIB, 512 * KIB)])  # leading hole
            # beyond 4 GiB: 64-bit offsets; data right after 4 GiB and in the last byte
            self.sparse("sparse/huge_5g.img", 5 * GIB + 1,
                        [(4 * GIB + 7, MIB), (5 * GIB, 1)])

        # symlinks
        os.makedirs(self.p("links"), exist_ok=True)
        os.symlink("../files/small.txt", self.p("links/rel"))
        os.symlink(self.p("files/one"), self.p("links/abs"))
        os.symlink("/nonexistent/strata/absolute/target", self.p("links/abs_dangling"))
        os.symlink("no/such/file", self.p("links/dangling"))
        os.symlink("../files", self.p("links/dir_link"))
        os.symlink("../unicode/naïve café", self.p("links/unicode_target"))
        os.symlink("x" * 200 + "/" + "y" * 200, self.p("links/long_target"))

        # hard links: group of 3 (aa_first/x, hl/a, hl/sub/b) and a pair
        os.makedirs(self.p("hl/sub"), exist_ok=True)
        os.link(self.p("aa_first/x"), self.p("hl/a"))
        os.link(self.p("aa_first/x"), self.p("hl/sub/b"))
        self.write("hl/p1", b"pair of hard links\n" + self.rand(3000))
        os.makedirs(self.p("other"), exist_ok=True)
        os.link(self.p("hl/p1"), self.p("other/p2"))
        self.write("hl/plain", b"not a hard link\n")

        # unicode and odd names
        self.write("unicode/naïve café", "naïve café\n".encode())
        self.write("unicode/日本語/ファイル.txt", "日本語のテキスト\n".encode() * 100)
        self.write("unicode/emoji 🎉🚀.txt", "🎉\n".encode())
        self.write("unicode/Ünïcödé dir/ß.bin", self.rand(777))
        self.write("names/with space", b"space\n")
        self.write("names/it's \"quoted\"", b"quotes\n")
        self.write("names/-leading-dash", b"dash\n")
        self.write("names/*glob?[x]", b"glob chars\n")
        self.write("names/back\\slash", b"backslash\n")
        self.write("names/.hidden", b"hidden\n")
        self.write("names/" + "L" * 255, b"255-byte name\n")
        if weird_names:
            self.write("names/tab\tname", b"tab\n")
            self.write("names/line\nbreak", b"newline in name\n")
            # a name that is not valid UTF-8 (Linux allows any bytes but / and NUL)
            raw = os.path.join(os.fsencode(self.p("names")), b"latin1-\xe9t\xe9")
            with open(raw, "wb") as f:
                f.write(b"latin-1 name\n")

        # deep path: 40 nested directories
        deep = "deep"
        for i in range(40):
            deep = os.path.join(deep, "level_%02d_abcdefgh" % i)
        self.write(os.path.join(deep, "leaf.txt"), b"deep leaf\n")

        # permissions
        self.mkdir("perms")
        if IS_ROOT:
            self.write("perms/mode0000", b"nobody may read this, but root can\n", 0o000)
        else:
            warn("not root: no mode 0000 file")
        self.write("perms/ro_dir/inside.txt", b"inside a 0500 dir\n")
        self.write("perms/ro_dir/sub/deeper.txt", b"deeper\n")
        self.write("perms/mode0400", b"read only\n", 0o400)
        # special mode bits (a restore that chmods before chown loses setuid/setgid)
        self.write("perms/setuid_exec", b"#!/bin/sh\n", 0o4755)
        self.write("perms/setgid_exec", b"#!/bin/sh\n", 0o2750)
        self.write("perms/setgid_dir/f", b"in a setgid dir\n")
        self.write("perms/sticky_dir/f", b"in a sticky dir\n")

        # xattrs
        self.write("xattr/file_with_xattrs", b"has xattrs\n")
        self.setx("xattr/file_with_xattrs", "user.comment", b"hello world")
        self.setx("xattr/file_with_xattrs", "user.binary", b"\x00\x01\xff\x00")
        self.setx("xattr/file_with_xattrs", "user.empty", b"")
        self.setx("xattr/file_with_xattrs", "user.big", self.rand(2000))
        self.mkdir("xattr/dir_with_xattr")
        self.write("xattr/dir_with_xattr/f", b"f\n")
        self.setx("xattr/dir_with_xattr", "user.dirattr", "dïr".encode())
        self.write("xattr/no_xattrs", b"none\n")

        # fifo
        os.makedirs(self.p("special"), exist_ok=True)
        os.mkfifo(self.p("special/fifo"), 0o640)

        # other owners
        self.write("owned/by_1234", b"owned by 1234:5678\n")
        self.write("owned/uid_only", b"owned by 1234:0\n")
        self.write("owned/gid_only", b"owned by 0:5678\n")
        self.mkdir("owned/dir_1234")
        self.write("owned/dir_1234/f", b"f\n")
        os.symlink("by_1234", self.p("owned/link_1234"))
        if IS_ROOT:
            os.chown(self.p("owned/by_1234"), 1234, 5678)
            os.chown(self.p("owned/uid_only"), 1234, 0)
            os.chown(self.p("owned/gid_only"), 0, 5678)
            os.chown(self.p("owned/dir_1234"), 1234, 5678)
            os.lchown(self.p("owned/link_1234"), 1234, 5678)
            os.chown(self.p("special/fifo"), 1234, 5678)
        else:
            warn("not root: no foreign owners")

        self.mkdir("empty_dir")

        if IS_ROOT:
            os.chown(self.p("perms/setuid_exec"), 1234, 5678)
            os.chmod(self.p("perms/setuid_exec"), 0o4755)   # chown cleared the bit
        # modes that would block our own writes are applied last
        os.chmod(self.p("perms/setgid_dir"), 0o2775)
        os.chmod(self.p("perms/sticky_dir"), 0o1777)
        os.chmod(self.p("perms/ro_dir/sub"), 0o700)
        os.chmod(self.p("perms/ro_dir"), 0o500)
        self.set_all_mtimes()

    def bulk(self, size_mib):
        os.makedirs(self.root, exist_ok=True)
        total = size_mib * MIB
        # mix of sizes, by share of the total
        plan = [
            (0.30, 20 * MIB), (0.30, 3 * MIB), (0.20, 700 * KIB),
            (0.12, 100 * KIB), (0.05, 16 * KIB), (0.03, 3 * KIB),
        ]
        n = 0
        for share, fsize in plan:
            budget = int(total * share)
            count = max(1, budget // fsize)
            for _ in range(count):
                sub = "d%02d" % (n % 13)
                sz = max(1, fsize + self.rng.randrange(-fsize // 8, fsize // 8 + 1))
                self.write("%s/f%05d.bin" % (sub, n), self.rand(sz))
                n += 1
        for i in range(5):
            self.write("text/t%d.txt" % i, self.compressible(200 * KIB + i))
        self.write("text/empty", b"")
        self.set_all_mtimes()


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dir")
    ap.add_argument("--profile", choices=["full", "bulk"], default="full")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--size-mib", type=int, default=200)
    ap.add_argument("--no-sparse", action="store_true")
    ap.add_argument("--no-weird-names", action="store_true",
                    help="no tab/newline/non-UTF-8 names")
    a = ap.parse_args()
    if os.path.exists(a.dir) and os.listdir(a.dir):
        sys.exit("make_tree: %s exists and is not empty" % a.dir)
    m = Maker(a.dir, a.seed)
    if a.profile == "full":
        m.full(with_sparse=not a.no_sparse, weird_names=not a.no_weird_names)
    else:
        m.bulk(a.size_mib)
    return 0


if __name__ == "__main__":
    sys.exit(main())
