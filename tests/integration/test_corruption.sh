#!/usr/bin/env bash
# Corruption is detected and named, never passed off as data: one flipped byte in a
# data pack, a tree pack, an index file or a snapshot file, a truncated pack and a
# missing pack each make `check` (with or without --read-data, as documented) exit 13
# naming the object; restore from a corrupt data pack exits 13, names the affected
# file, writes no corrupt content and restores every unaffected file byte-exact.
source "$(dirname "$0")/lib.sh"

W="$(readlink -f "$WORK")"
REPO="$STRATA_REPOSITORY"

DEFERRED=()
soft() { ( "$@" ) || { DEFERRED+=("$*"); echo "FAIL (continuing): $*" >&2; }; }

mkfiles() {
  python3 - "$@" <<'EOF'
import os, random, sys
d = sys.argv[1]
words = [b"alpha", b"beta", b"gamma", b"delta", b"strata", b"backup", b"\n"]
for spec in sys.argv[2:]:
    name, size, kind = (spec.split(":") + ["r"])[:3]
    p = os.path.join(d, name)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    n = int(size)
    if kind == "r":
        data = os.urandom(n)
    else:
        out = bytearray()
        while len(out) < n:
            out += random.choice(words) + b" " + str(random.randrange(10**6)).encode() + b" "
        data = bytes(out[:n])
    with open(p, "wb") as f:
        f.write(data)
EOF
}

# flip FILE [OFFSET] : xor 0x01 into one byte (default: the middle byte)
flip() {
  chmod u+w "$1"
  python3 - "$1" "${2:-}" <<'EOF'
import sys
p = sys.argv[1]
b = bytearray(open(p, "rb").read())
i = int(sys.argv[2]) if sys.argv[2] else len(b) // 2
b[i] ^= 0x01
open(p, "wb").write(b)
EOF
}

restore_clean() { rm -rf "$REPO"; cp -a "$W/clean" "$REPO"; }

# names OBJECT_FILE : the output of the last command ($WORK/out + $WORK/err) names the
# object by its file name (its id); an 8-digit prefix is accepted as a short id.
names() {
  local id; id=$(basename "$1")
  cat "$WORK/out" "$WORK/err" >"$W/both"
  if grep -qF "$id" "$W/both"; then return 0; fi
  if grep -qF "${id:0:8}" "$W/both"; then
    echo "NOTE: $id named only by its short id ${id:0:8}" >&2; return 0
  fi
  head -c 3000 "$W/both" >&2
  fail "output does not name the corrupt object $id ($1)"
}

# ---------------------------------------------------------------------------------
note "setup: two backups of a multi-MiB tree"
expect_exit 0 init_repo
SRC="$W/src"
mkfiles "$SRC" d1/f1.bin:700000 d1/f2.bin:900000 d1/f3.bin:400000 d1/notes.txt:300000:t top.bin:1200000
# every random file of the first backup also has a hard link: a corrupt file must be
# left out under all its names
for f in d1/f1.bin d1/f2.bin d1/f3.bin top.bin; do ln "$SRC/$f" "$SRC/$f.link"; done
expect_exit 0 st backup --quiet "$SRC"
mkfiles "$SRC" d2/g1.bin:800000 d2/g2.bin:600000 d2/g3.bin:1000000 d2/log.txt:200000:t small.txt:500:t
expect_exit 0 st backup --quiet "$SRC"
expect_exit 0 st check --read-data
cp -a "$REPO" "$W/clean"

mapfile -t PACKS < <(find "$REPO/data" -type f -printf '%s %p\n' | sort -n | awk '{print $2}')
[ "${#PACKS[@]}" -ge 3 ] || fail "expected at least 3 packs (2 data, 1+ tree), found ${#PACKS[@]}"
DATA_PACK="${PACKS[${#PACKS[@]}-1]}"
[ "$(stat -c %s "$DATA_PACK")" -ge 1000000 ] || fail "largest pack $DATA_PACK is not a data pack"
# A tree pack: small, and a flipped byte in its first blob makes plain `check` (which
# reads every tree but no data) fail. Each backup walker fills its own packs, so the
# smallest pack may hold data blobs: probe the small ones, smallest first.
TREE_PACK=""
for p in "${PACKS[@]}"; do
  [ "$(stat -c %s "$p")" -lt 262144 ] || break
  flip "$p" 40
  rc=0; st check >/dev/null 2>&1 || rc=$?
  restore_clean
  if [ "$rc" = 13 ]; then TREE_PACK="$p"; break; fi
done
[ -n "$TREE_PACK" ] || fail "no small pack holds tree blobs"
mapfile -t INDEXES < <(find "$REPO/index" -type f | sort)
mapfile -t SNAPFILES < <(find "$REPO/snapshots" -type f | sort)
[ "${#INDEXES[@]}" -ge 1 ] && [ "${#SNAPFILES[@]}" = 2 ] || fail "expected index files and 2 snapshot files"
rel() { echo "${1#"$REPO"/}"; }
note "data pack $(rel "$DATA_PACK"), tree pack $(rel "$TREE_PACK")"

# ---------------------------------------------------------------------------------
note "one flipped byte in a data pack"
restore_clean
flip "$DATA_PACK"
expect_exit 13 st check --read-data
names "$DATA_PACK"
expect_exit 13 st check --read-data-subset 100%
names "$DATA_PACK"
T="$W/restore-data"
expect_exit 13 st restore latest --target "$T"
cp "$WORK/err" "$W/restore-err"
cp "$WORK/out" "$W/restore-out"
AFFECTED=$(python3 - "$SRC" "$T" "$W/restore-err" <<'EOF'
import hashlib, os, sys
src, target, err = sys.argv[1], sys.argv[2], open(sys.argv[3]).read()
def h(p):
    return hashlib.sha256(open(p, "rb").read()).hexdigest()
srcfiles = set()
for root, _, files in os.walk(src):
    for f in files:
        srcfiles.add(os.path.relpath(os.path.join(root, f), src))
restored_root = target + src
extra = []
for root, _, files in os.walk(target):
    for f in files:
        p = os.path.join(root, f)
        r = os.path.relpath(p, restored_root)
        if r.startswith("..") or r not in srcfiles:
            extra.append(p)
if extra:
    sys.exit(f"restore left files that are not in the snapshot (temp files?): {extra}")
missing, wrong = [], []
for r in sorted(srcfiles):
    p = os.path.join(restored_root, r)
    if not os.path.exists(p):
        missing.append(r)
    elif h(p) != h(os.path.join(src, r)):
        wrong.append(r)
if wrong:
    named = [r for r in wrong if r in err]
    sys.exit(f"restore wrote corrupt content: {wrong} (named on stderr: {named})")
if not missing:
    sys.exit("restore exited 13 but every file is present and intact")
unnamed = [r for r in missing if r not in err]
if unnamed:
    sys.exit(f"files left out of the restore but not named on stderr: {unnamed}\nstderr: {err[:2000]}")
inodes = {r: os.stat(os.path.join(src, r)).st_ino for r in srcfiles}
hit = {inodes[r] for r in missing}
if len(hit) > 1:
    sys.exit(f"one flipped byte affects one blob of one file, but {len(missing)} files were not restored: {missing}")
names = sorted(r for r in srcfiles if inodes[r] in hit)
if names != sorted(missing):
    sys.exit(f"the corrupt file has the names {names} but only {missing} were left out")
print(" ".join(missing))
EOF
) || fail "restore from a corrupt data pack misbehaved (see above)"
note "affected file: $AFFECTED (left out and named); all other files byte-exact"
# The summary counts the files that are on disk, not those the snapshot holds.
MISSING_COUNT=$(wc -w <<<"$AFFECTED")
TOTAL_FILES=$(find "$SRC" -type f | wc -l)
grep -qF "$((TOTAL_FILES - MISSING_COUNT)) files," "$W/restore-out" ||
  fail "restore summary does not count only the restored files ($TOTAL_FILES - $MISSING_COUNT): $(cat "$W/restore-out")"
AFFECTED=${AFFECTED%% *}
expect_exit 13 st dump latest "$SRC/$AFFECTED"
cmp -s "$WORK/out" "$SRC/$AFFECTED" && fail "dump of the affected file returned its content from a corrupt pack?"

# ---------------------------------------------------------------------------------
note "one flipped byte in a tree pack"
restore_clean
flip "$TREE_PACK"
expect_exit 13 st check --read-data
names "$TREE_PACK"
# a byte inside the first blob (surely a tree blob): plain check reads every tree
restore_clean
flip "$TREE_PACK" 40
expect_exit 13 st check
head -c 1000 "$WORK/out" "$WORK/err" >&2
# That first blob is a leaf directory's tree (children are stored before parents):
# d1/ or d2/. Restore leaves that directory out, names it, restores everything else.
restore_around_corrupt_tree() {
  local T="$W/restore-tree"
  expect_exit 13 st restore latest --target "$T"
  python3 - "$SRC" "$T" "$WORK/err" <<'EOF2'
import hashlib, os, sys
src, target, err = sys.argv[1], sys.argv[2], open(sys.argv[3]).read()
h = lambda p: hashlib.sha256(open(p, "rb").read()).hexdigest()
missing, wrong = {}, []
for root, _, files in os.walk(src):
    for f in files:
        r = os.path.relpath(os.path.join(root, f), src)
        p = os.path.join(target + src, r)
        if not os.path.exists(p):
            missing.setdefault(r.split("/")[0] if "/" in r else ".", []).append(r)
        elif h(p) != h(os.path.join(src, r)):
            wrong.append(r)
if wrong:
    sys.exit(f"restore with a corrupt tree wrote corrupt content: {wrong}")
if list(missing) not in (["d1"], ["d2"]):
    sys.exit(f"one corrupt leaf tree (d1/ or d2/) should leave out only that directory; "
             f"files not restored: {missing}\nstderr: {err[:1000]}")
d = list(missing)[0]
if os.path.join(src, d) not in err:
    sys.exit(f"restore left out {src}/{d} but does not name it on stderr: {err[:1000]}")
EOF2
}
soft restore_around_corrupt_tree

# ---------------------------------------------------------------------------------
note "one flipped byte in an index file"
restore_clean
flip "${INDEXES[0]}"
expect_exit 13 st check
names "${INDEXES[0]}"
expect_exit 13 st check --read-data
names "${INDEXES[0]}"

# ---------------------------------------------------------------------------------
note "one flipped byte in a snapshot file"
restore_clean
flip "${SNAPFILES[0]}"
expect_exit 13 st check
names "${SNAPFILES[0]}"
expect_exit 13 st check --read-data
names "${SNAPFILES[0]}"
# prune refuses (13) and deletes nothing while a snapshot is unreadable
find "$REPO" -type f ! -path '*/locks/*' | sort >"$W/files-before"
expect_exit 13 st prune
names "${SNAPFILES[0]}"
find "$REPO" -type f ! -path '*/locks/*' | sort >"$W/files-after"
cmp -s "$W/files-before" "$W/files-after" || fail "prune changed the repository although a snapshot is unreadable"
# listing either refuses (13) or lists the other snapshot and warns, naming the damaged one
rc=0; st snapshots --json >"$WORK/out" 2>"$WORK/err" || rc=$?
case "$rc" in
  13) names "${SNAPFILES[0]}" ;;
  0) names "${SNAPFILES[0]}"
     [ "$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$WORK/out")" = 1 ] \
       || fail "snapshots with one damaged snapshot object should list exactly the other one" ;;
  *) cat "$WORK/err" >&2; fail "snapshots with a damaged snapshot object: exit $rc" ;;
esac
# documented recovery (docs/operations.md): move the damaged snapshot object out;
# only that snapshot is lost, the other one checks and restores
mv "${SNAPFILES[0]}" "$W/quarantined-snapshot"
expect_exit 0 st check
expect_exit 0 st restore latest --target "$W/restore-snap"
python3 - "$SRC" "$W/restore-snap" <<'EOF'
import filecmp, os, sys
src, target = sys.argv[1], sys.argv[2]
n = 0
for root, _, files in os.walk(target + src):
    for f in files:
        p = os.path.join(root, f)
        r = os.path.relpath(p, target + src)
        if not filecmp.cmp(p, os.path.join(src, r), shallow=False):
            sys.exit(f"restore of the remaining snapshot: {r} differs")
        n += 1
if n < 5:
    sys.exit(f"restore of the remaining snapshot restored only {n} files")
EOF

# ---------------------------------------------------------------------------------
note "truncated pack (last 100 bytes cut)"
restore_clean
chmod u+w "$DATA_PACK"
truncate -s -100 "$DATA_PACK"
expect_exit 13 st check --read-data
names "$DATA_PACK"
expect_exit 13 st check          # documented: every indexed pack exists with the right size
names "$DATA_PACK"

# ---------------------------------------------------------------------------------
note "missing pack"
restore_clean
rm -f "$DATA_PACK"
expect_exit 13 st check
names "$DATA_PACK"
expect_exit 13 st check --read-data
names "$DATA_PACK"

# ---------------------------------------------------------------------------------
note "one flipped byte in the (clear, authenticated) config"
restore_clean
flip "$REPO/config"
rc=0; st snapshots >"$WORK/out" 2>"$WORK/err" || rc=$?
{ [ "$rc" != 0 ] && [ "$rc" -lt 124 ]; } || { cat "$WORK/err" >&2; fail "corrupt config: expected an orderly failure, got exit $rc"; }

# ---------------------------------------------------------------------------------
note "the clean copy is intact and restores"
restore_clean
expect_exit 0 st check --read-data
expect_exit 0 st restore latest --target "$W/restore-clean"
diff -r "$SRC" "$W/restore-clean$SRC" || fail "clean restore differs from the source"

if [ "${#DEFERRED[@]}" -gt 0 ]; then
  printf 'FAILED CHECK: %s\n' "${DEFERRED[@]}" >&2
  fail "test_corruption: ${#DEFERRED[@]} check(s) failed"
fi
echo "PASS test_corruption"
