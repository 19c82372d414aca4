#!/usr/bin/env bash
# Reads work on a repository this process cannot write, and the incident procedure
# of docs/operations.md ("Corrupt data found by check") runs as written: one byte
# of a data pack is flipped, the repository is made read-only (a read-only bind
# mount), then `check --read-data` names the pack (exit 13), snapshots/ls/dump/
# diff/stats work, the intact snapshot restores byte-exact and the damaged one
# restores everything but the named files (exit 13) — each reader warns once and
# takes no lock. backup, forget, prune, key add and unlock fail with exit 14 saying
# the repository is read-only, and the repository's bytes are unchanged.
# Then --no-lock on a writable repository: a restore creates nothing under locks/
# (watched with inotify) and prints nothing extra; backup --no-lock exits 2.
# Without permission to mount, the read-only view is `chmod -R a-w` read as the
# user nobody (also forced with STRATA_TEST_RO_MODE=perm).
# PostgreSQL (`pg info`, `pg restore`) is not covered here: it reads through the
# same lock_for_reading as `restore`; test_pg_*.sh need a cluster fixture.
source "$(dirname "$0")/lib.sh"

W="$(readlink -f "$WORK")"
REPO="$STRATA_REPOSITORY"
RO="$W/ro"          # the read-only view of $REPO
RO_MODE=""          # mount | perm

unmount_ro() { if [ "$RO_MODE" = mount ] && mountpoint -q "$RO"; then umount "$RO" || umount -l "$RO"; fi; }
trap 'unmount_ro; cleanup' EXIT


# The bytes of every file of the repository, by name (what must not change).
repo_listing() { (cd "$REPO" && find . -type f -print0 | sort -z | xargs -0 sha256sum); }

# watch_creates OUT CMD... : runs CMD while watching $REPO/locks with inotify;
# writes the names created there (one a line) to OUT; exits with CMD's code.
watch_creates() {
  python3 - "$REPO/locks" "$@" <<'EOF'
import ctypes, os, struct, subprocess, sys
libc = ctypes.CDLL(None, use_errno=True)
fd = libc.inotify_init1(os.O_NONBLOCK)
IN_CREATE, IN_MOVED_TO = 0x100, 0x80
if fd < 0 or libc.inotify_add_watch(fd, sys.argv[1].encode(), IN_CREATE | IN_MOVED_TO) < 0:
    sys.exit("inotify: " + os.strerror(ctypes.get_errno()))
rc = subprocess.call(sys.argv[3:])
names = []
while True:
    try:
        buf = os.read(fd, 65536)
    except BlockingIOError:
        break
    i = 0
    while i < len(buf):
        _, _, _, n = struct.unpack_from("iIII", buf, i)
        names.append(buf[i + 16:i + 16 + n].split(b"\0")[0].decode())
        i += 16 + n
open(sys.argv[2], "w").write("".join(x + "\n" for x in names))
sys.exit(rc)
EOF
}

# ---------------------------------------------------------------------------------
note "setup: snapshot 1 of src, snapshot 2 adds files whose data pack is then damaged"
expect_exit 0 init_repo
SRC="$W/src"
mkfiles "$SRC" a1.bin:700000 sub/a2.bin:1200000 sub/a3.bin:5000
echo "the fstab of this test" >"$SRC/etc-fstab"
expect_exit 0 st backup --quiet "$SRC"
SNAP1=$(latest_id)
cp -a "$SRC" "$W/src1"
mapfile -t PACKS1 < <(find "$REPO/data" -type f | sort)
mkfiles "$SRC" b1.bin:2000000 sub/b2.bin:900000
expect_exit 0 st backup --quiet "$SRC"
SNAP2=$(latest_id)
# The largest pack snapshot 1 does not use: the data pack of b1.bin and b2.bin.
mapfile -t NEW < <(comm -13 <(printf '%s\n' "${PACKS1[@]}") <(find "$REPO/data" -type f | sort))
[ "${#NEW[@]}" -ge 1 ] || fail "no pack added by the second backup"
BAD=$(ls -S "${NEW[@]}" | head -1)
BAD_ID=$(basename "$BAD")
python3 - "$BAD" <<'EOF'
import sys
p = sys.argv[1]
b = bytearray(open(p, "rb").read())
b[len(b) // 2] ^= 0x01
open(p, "wb").write(b)
EOF

note "docs/operations.md, Corrupt data step 1: make the repository read-only"
mkdir -p "$RO"
if [ "${STRATA_TEST_RO_MODE:-mount}" = mount ] && mount --bind "$REPO" "$RO" 2>/dev/null; then
  RO_MODE=mount
  mount -o remount,bind,ro "$RO" || fail "cannot remount $RO read-only"
  REASON="Read-only file system"
  OWNER=()
  ro() { "$STRATA" --repo "$RO" --key-file "$KEYFILE" "$@"; }
else
  note "(mount not permitted: chmod -R a-w, commands run as nobody)"
  RO_MODE=perm
  rmdir "$RO"; RO="$REPO"
  chmod -R a+rX,a-w "$REPO"
  chmod 0755 "$W"; chmod 0644 "$KEYFILE"; chmod -R a+rX "$W/src1"
  REASON="Permission denied"
  OWNER=(--no-owner)  # restored by nobody: owned by nobody
  ro() { runuser -u nobody -- "$STRATA" --repo "$RO" --key-file "$KEYFILE" "$@"; }
fi
BEFORE="$(repo_listing)"
cp -a "$RO" "$W/copy"  # "and copy it before experimenting"
[ "$(cd "$W/copy" && find . -type f -print0 | sort -z | xargs -0 sha256sum)" = "$BEFORE" ] ||
  fail "the copy of the read-only repository differs"
SCRATCH="$W/scratch"; mkdir -p "$SCRATCH"; chmod 0777 "$SCRATCH"
WARNING="strata: warning: repository $RO is read-only ($REASON): reading without a lock"

# one_warning: the last command warned exactly once that it reads without a lock.
one_warning() {
  local n; n=$(grep -cF -- "$WARNING" "$WORK/err" || true)
  [ "$n" = 1 ] || { cat "$WORK/err" >&2; fail "expected one read-only warning, got $n"; }
}

note "step 3: check --read-data lists the damaged pack (exit 13)"
expect_exit 13 ro check --read-data
expect_in "$WORK/out" "error: data/${BAD_ID:0:2}/$BAD_ID"
one_warning

note "snapshots, ls, dump, diff, stats, key list read the read-only repository"
expect_exit 0 ro snapshots
expect_in "$WORK/out" "2 snapshot(s)"
expect_exit 0 ro ls "$SNAP1"
expect_in "$WORK/out" "$SRC/sub/a2.bin"
expect_exit 0 ro dump "$SNAP1" "$SRC/etc-fstab"
cmp -s "$WORK/out" "$W/src1/etc-fstab" || fail "dump differs from the source"
expect_exit 0 ro diff "$SNAP1" "$SNAP2"
expect_in "$WORK/out" "$SRC/b1.bin"
expect_exit 0 ro stats
expect_exit 0 ro key list
expect_exit 0 ro forget --keep-last 1 --dry-run

note "step 4: restore the snapshots into a scratch directory"
expect_exit 0 ro restore "${SNAP1:0:8}" --target "$SCRATCH/one"
one_warning
python3 "$TESTS_DIR/compare_trees.py" "${OWNER[@]}" "$W/src1" "$SCRATCH/one$SRC" >/dev/null ||
  fail "restore of the intact snapshot differs from its source"
expect_exit 13 ro restore latest --target "$SCRATCH/two"
expect_in "$WORK/err" "not restored (corrupt data)"
expect_in "$WORK/err" "b1.bin"
for f in a1.bin sub/a2.bin sub/a3.bin etc-fstab; do
  cmp -s "$SRC/$f" "$SCRATCH/two$SRC/$f" || fail "$f of the damaged snapshot was not restored intact"
done
[ ! -e "$SCRATCH/two$SRC/b1.bin" ] || fail "a file with corrupt data was left in the target"
expect_exit 0 ro prune --dry-run

note "commands that write fail with exit 14 and change nothing"
# Each "OPERATION|COMMAND LINE": the error names the operation.
for spec in "backup|backup $SRC" "forget|forget --keep-last 1" "prune|prune" \
            "key add|key add --new-key-file $SCRATCH/k2" "unlock|unlock"; do
  # shellcheck disable=SC2086
  expect_exit 14 ro ${spec#*|}
  expect_in "$WORK/err" "strata: error: repository $RO is read-only ($REASON): ${spec%%|*} needs to write"
  [ "$(wc -l <"$WORK/err")" = 1 ] || { cat "$WORK/err" >&2; fail "${spec#*|}: more than one line on stderr"; }
done
AFTER="$(repo_listing)"
[ "$BEFORE" = "$AFTER" ] || { diff <(echo "$BEFORE") <(echo "$AFTER") >&2; fail "the read-only repository changed"; }

note "--no-lock: only for commands that read"
unmount_ro
[ "$RO_MODE" = perm ] && chmod -R u+w "$REPO"
rm -rf "$SCRATCH"
watch_creates "$W/created" "$STRATA" --key-file "$KEYFILE" restore "$SNAP1" --target "$W/locked" --quiet ||
  fail "restore with a lock failed"
[ -s "$W/created" ] || fail "the inotify watch saw no lock of a normal restore (the watch does not work)"
rc=0
watch_creates "$W/created" "$STRATA" --key-file "$KEYFILE" --no-lock restore "$SNAP1" --target "$W/unlocked" \
  --quiet >"$WORK/out" 2>"$WORK/err" || rc=$?
[ "$rc" = 0 ] || { cat "$WORK/err" >&2; fail "restore --no-lock exited $rc"; }
[ ! -s "$W/created" ] || fail "restore --no-lock created under locks/: $(cat "$W/created")"
[ ! -s "$WORK/err" ] || { cat "$WORK/err" >&2; fail "restore --no-lock printed something"; }
python3 "$TESTS_DIR/compare_trees.py" "$W/src1" "$W/unlocked$SRC" >/dev/null || fail "restore --no-lock differs"
expect_exit 0 st check --no-lock
for spec in "backup|backup $SRC" "forget|forget --keep-last 1" "prune|prune" "prune|prune --dry-run" \
            "key add|key add --new-key-file $W/k3" "unlock|unlock" "copy|copy --from $REPO --to $W/other --all"; do
  # shellcheck disable=SC2086
  expect_exit 2 st ${spec#*|} --no-lock
  expect_in "$WORK/err" "--no-lock is only for commands that read: ${spec%%|*} writes to the repository"
done
[ ! -e "$W/k3" ] || fail "key add --no-lock generated a key file before refusing"
AFTER="$(repo_listing)"
[ "$BEFORE" = "$AFTER" ] || fail "refused --no-lock commands or locked reads changed the repository"
[ -z "$(ls -A "$REPO/locks")" ] || fail "a lock was left behind: $(ls "$REPO/locks")"
echo "PASS"
