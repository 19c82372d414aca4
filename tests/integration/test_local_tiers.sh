#!/usr/bin/env bash
# Storage tiers on local disks: `tier apply` moves packs between the repository
# directory (hot) and tier directories (warm, cold on another file system —
# tmpfs —, archive) by the age of their newest snapshot; every later command finds
# them without the configuration; a pack used again goes back to hot; corruption
# and an unmounted tier disk are clear errors; kill -9 mid-move loses nothing;
# prune removes packs from tier directories; a tier directory is not changed
# while it still holds the only copy of packs.
# usage: bash test_local_tiers.sh /path/to/strata
source "$(dirname "$0")/lib.sh"
SHM=$(mktemp -d /dev/shm/strata-tier.XXXXXX 2>/dev/null || mktemp -d "$WORK/shm.XXXXXX")
remove_shm() { rm -rf "$SHM"; }
SERVER_CLEANUPS+=(remove_shm)
mkdir -p "$WORK/warm-disk" "$WORK/archive-disk"
WARM="$WORK/warm-disk/strata" COLD="$SHM/strata" ARCHIVE="$WORK/archive-disk/strata"
write_config() {  # cold directory
  cat >"$WORK/strata.yaml" <<Y
lifecycle:
  directories: {warm: $WARM, cold: $1, archive: $ARCHIVE}
Y
}
write_config "$COLD"
export STRATA_CONFIG="$WORK/strata.yaml"
REPO="$STRATA_REPOSITORY"
packs_in() { find "$1" -path '*/data/*' -type f ! -name '.tmp-*' 2>/dev/null | wc -l; }
ago() { date -u -d "$1 days ago" +%Y-%m-%dT%H:%M:%SZ; }
snap_of() { st snapshots --json | python3 -c 'import json,sys; print([s["id"] for s in json.load(sys.stdin) if s["dataset"]==sys.argv[1]][-1])' "$1"; }
restore_same() {  # snapshot, source dir
  rm -rf "$WORK/r"
  st restore "$1" --target "$WORK/r" --quiet
  python3 "$TESTS_DIR/compare_trees.py" "$2" "$WORK/r$2" || fail "restore of $1 differs from $2"
}

init_repo --pack-size 4 --chunk-max 2097152
for d in a b c d; do
  python3 "$TESTS_DIR/make_tree.py" "$WORK/src/$d" --size-mib 3 --seed "$RANDOM" >/dev/null
  head -c 9000000 /dev/urandom >"$WORK/src/$d/big.bin"
done
st backup "$WORK/src/a" --dataset a --quiet --time "$(ago 400)"
st backup "$WORK/src/b" --dataset b --quiet --time "$(ago 100)"
st backup "$WORK/src/c" --dataset c --quiet --time "$(ago 40)"
st backup "$WORK/src/d" --dataset d --quiet
A=$(snap_of a) B=$(snap_of b) C=$(snap_of c) D=$(snap_of d)
TOTAL=$(packs_in "$REPO")

note "dry run: says what would move, moves nothing, records nothing"
st tier apply --dry-run >"$WORK/out"
expect_in "$WORK/out" "would move"
expect_in "$WORK/out" "hot -> archive"
expect_in "$WORK/out" "hot -> cold"
expect_in "$WORK/out" "hot -> warm"
[ "$(packs_in "$REPO")" = "$TOTAL" ] || fail "the dry run moved packs"
[ ! -e "$REPO/tier-directories" ] || fail "the dry run registered tier directories"

note "apply: each dataset's packs go to the directory of its age, the newest stay hot"
st tier apply >"$WORK/out"
expect_in "$WORK/out" "moved"
[ -s "$REPO/tier-directories" ] || fail "no tier file in the repository"
for dir in "$WARM" "$COLD" "$ARCHIVE"; do [ "$(packs_in "$dir")" -gt 0 ] || fail "no pack in $dir"; done
[ "$(packs_in "$REPO")" -gt 0 ] || fail "no pack stayed hot"
[ $(( $(packs_in "$REPO") + $(packs_in "$WARM") + $(packs_in "$COLD") + $(packs_in "$ARCHIVE") )) = "$TOTAL" ] ||
  fail "packs were lost or duplicated while moving"
[ -z "$(find "$WARM" "$COLD" "$ARCHIVE" -type f ! -path '*/data/*')" ] || fail "metadata left the repository directory"
st tier apply >"$WORK/out"
expect_in "$WORK/out" "every pack is in the class its age calls for"

note "without any configuration every command finds the moved packs"
unset STRATA_CONFIG
st check --read-data >/dev/null
restore_same "$A" "$WORK/src/a"
restore_same "$B" "$WORK/src/b"
restore_same "$C" "$WORK/src/c"
restore_same "$D" "$WORK/src/d"
st stats --by-tier --json >"$WORK/stats.json"
python3 - "$WORK/stats.json" <<'PY' || { cat "$WORK/stats.json" >&2; fail "stats --by-tier"; }
import json, sys
d = json.load(open(sys.argv[1]))
for cls in ("hot", "warm", "cold", "archive"):
    assert d["classes"][cls]["bytes"] > 0, (cls, d)
assert "archive" in d["datasets"]["a"] and "hot" in d["datasets"]["d"], d
PY
st restore "$A" --plan >"$WORK/plan"
expect_in "$WORK/plan" "archive"
export STRATA_CONFIG="$WORK/strata.yaml"

note "a flipped byte in a pack on the cold disk is found"
victim=$(find "$COLD" -path '*/data/*' -type f | head -1)
python3 - "$victim" <<'PY'
import sys
with open(sys.argv[1], "r+b") as f:
    f.seek(200); b = f.read(1); f.seek(200); f.write(bytes([b[0] ^ 1]))
PY
expect_exit 13 st check --read-data
python3 - "$victim" <<'PY'
import sys
with open(sys.argv[1], "r+b") as f:
    f.seek(200); b = f.read(1); f.seek(200); f.write(bytes([b[0] ^ 1]))
PY
st check --read-data >/dev/null

note "the cold disk unmounted: reads of its packs fail clearly, moves to it move nothing"
head -c 6000000 /dev/urandom >"$WORK/src/e.bin"
st backup "$WORK/src/e.bin" --dataset e --quiet --time "$(ago 120)"
mv "$COLD" "$WORK/cold-away"
st ls "$B" >/dev/null || fail "listing needs a tier disk: tree packs must stay hot"
st restore "$B" --plan >/dev/null || fail "restore --plan needs a tier disk: tree packs must stay hot"
expect_exit 13 st check
expect_exit 14 st tier apply
expect_in "$WORK/err" "is missing: is its disk mounted?"
rm -rf "$WORK/r"
rc=0; st restore "$B" --target "$WORK/r" --quiet 2>"$WORK/err" || rc=$?
[ "$rc" != 0 ] || fail "restore of a snapshot on the unmounted disk succeeded"
expect_in "$WORK/err" "data/"
mv "$WORK/cold-away" "$COLD"
st check >/dev/null
st tier apply >/dev/null
st check --read-data >/dev/null

note "a pack used again by a new snapshot goes back to hot"
before_archive=$(packs_in "$ARCHIVE")
st backup "$WORK/src/a" --dataset a --quiet
st tier apply >"$WORK/out"
expect_in "$WORK/out" "archive -> hot"
[ "$(packs_in "$ARCHIVE")" -lt "$before_archive" ] || fail "no pack came back from the archive"
restore_same "$A" "$WORK/src/a"

note "kill -9 in the middle of moves: nothing lost, the next apply finishes"
head -c 30000000 /dev/urandom >"$WORK/src/f.bin"
st backup "$WORK/src/f.bin" --dataset f --quiet --time "$(ago 500)"
F=$(snap_of f)
for trial in 1 2 3; do
  st tier apply >/dev/null 2>&1 &
  pid=$!
  sleep "0.$(( RANDOM % 4 + 1 ))"
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  st unlock >/dev/null 2>&1 || true
  st check >/dev/null || fail "check after kill -9 of tier apply (trial $trial)"
done
st tier apply >/dev/null
st check --read-data >/dev/null
rm -rf "$WORK/r"
st restore "$F" --target "$WORK/r" --quiet
cmp "$WORK/src/f.bin" "$WORK/r$WORK/src/f.bin" || fail "restore after interrupted moves differs"

note "forget + prune removes packs from the tier directories"
archived=$(packs_in "$ARCHIVE")
st forget "$F" --quiet >/dev/null
st prune --quiet >/dev/null
[ "$(packs_in "$ARCHIVE")" -lt "$archived" ] || fail "prune left the forgotten snapshot's packs in $ARCHIVE"
st check --read-data >/dev/null
restore_same "$B" "$WORK/src/b"

note "a tier directory holding the only copy of packs is not changed"
write_config "$WORK/new-cold"
expect_exit 2 st tier apply
expect_in "$WORK/err" "still holds"
cp -a "$COLD" "$WORK/new-cold"
st tier apply >/dev/null
grep -qF "cold $WORK/new-cold" "$REPO/tier-directories" || fail "the new cold directory was not recorded"
rm -rf "$COLD"
st check --read-data >/dev/null
restore_same "$B" "$WORK/src/b"

note "a local repository without tier directories is refused with what to configure"
"$STRATA" init --repo "$WORK/plain" --key-file "$KEYFILE" --quiet
echo "lifecycle: {warm_after: 1d}" >"$WORK/plain.yaml"
expect_exit 2 "$STRATA" --repo "$WORK/plain" --key-file "$KEYFILE" tier apply --config "$WORK/plain.yaml"
expect_in "$WORK/err" "lifecycle.directories"
echo "PASS: $(basename "$0")" >&2
