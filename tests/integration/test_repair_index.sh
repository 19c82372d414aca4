#!/usr/bin/env bash
# A lost or damaged index file is repaired as docs/operations.md ("Lost or corrupt
# index") says: three backups; one index file deleted (first case) or one byte
# flipped in it (second case). `check` exits 13, recommends 'strata repair index'
# and does not recommend prune for the packs no index lists; `prune` refuses (13)
# and leaves the repository byte-identical; `repair index --dry-run` changes
# nothing; `repair index` exits 0; `check --read-data` exits 0; every snapshot
# restores byte-identical to its source. Third case: a pack with a damaged header
# is named by `repair index` (exit 13, one stderr line) and left in place.
source "$(dirname "$0")/lib.sh"

W="$(readlink -f "$WORK")"
REPO="$STRATA_REPOSITORY"


# flip FILE [OFFSET_FROM_END] : xor 0x01 into one byte (default: the middle byte)
flip() {
  chmod u+w "$1"
  python3 - "$1" "${2:-}" <<'EOF'
import sys
p = sys.argv[1]
b = bytearray(open(p, "rb").read())
i = len(b) - int(sys.argv[2]) if sys.argv[2] else len(b) // 2
b[i] ^= 0x01
open(p, "wb").write(b)
EOF
}

# Every object of the repository with its hash (locks come and go with each command).
fingerprint() { (cd "$REPO" && find . -type f ! -path './locks/*' -exec sha256sum {} + | sort); }
index_files() { (cd "$REPO" && find index -type f | sort); }
packs() { (cd "$REPO" && find data -type f | sort); }
restore_clean() { rm -rf "$REPO"; cp -a "$W/clean" "$REPO"; }

# check exits 13, says how to recover, and recommends prune for no pack.
check_advises_repair() {
  expect_exit 13 st check
  cat "$WORK/out" "$WORK/err" >"$W/check-output"
  expect_in "$W/check-output" "strata repair index"
  grep -F "not in any index" "$W/check-output" >"$W/unindexed" || fail "check names no pack that is not in any index"
  if grep -F "prune" "$W/unindexed"; then fail "check recommends prune for packs of a damaged index"; fi
  if grep -F "'strata prune'" "$W/check-output"; then fail "check recommends prune while the index is damaged"; fi
}

# prune refuses, points at the repair, and changes nothing.
prune_refuses() {
  fingerprint >"$W/before"
  expect_exit 13 st prune
  expect_in "$WORK/err" "prune refused"
  expect_in "$WORK/err" "strata repair index"
  fingerprint >"$W/after"
  cmp -s "$W/before" "$W/after" || { diff "$W/before" "$W/after" >&2; fail "prune changed a repository with a damaged index"; }
}

# The procedure of docs/operations.md, "Lost or corrupt index", steps 3 to 5.
repair_as_documented() {
  fingerprint >"$W/before"
  expect_exit 0 st repair index --dry-run
  fingerprint >"$W/after"
  cmp -s "$W/before" "$W/after" || fail "repair index --dry-run changed the repository"
  expect_exit 0 st repair index
  expect_exit 0 st check --read-data
  expect_in "$WORK/out" "no errors were found"
  [ ! -s "$WORK/err" ] || { cat "$WORK/err" >&2; fail "check after the repair still warns"; }
  expect_exit 0 st repair index --json
  python3 - "$WORK/out" <<'EOF' || fail "a second repair changed something"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["index_files_written"] == 0 and r["index_files_removed"] == [], r
assert r["packs_read"] == r["packs_total"] and not r["packs_unreadable"], r
EOF
}

restores_every_snapshot() {
  local ids i=0
  mapfile -t ids < <(st snapshots --json | python3 -c 'import json,sys; [print(s["id"]) for s in json.load(sys.stdin)]')
  [ "${#ids[@]}" = 3 ] || fail "expected 3 snapshots, found ${#ids[@]}"
  for id in "${ids[@]}"; do
    i=$((i + 1))
    rm -rf "$W/restore"
    expect_exit 0 st restore "$id" --target "$W/restore"
    diff -r "$W/state-$i" "$W/restore$SRC" || fail "snapshot $i ($id) does not restore byte-identical"
  done
}

# ---------------------------------------------------------------------------------
note "setup: three backups, each with its own packs and index file"
expect_exit 0 init_repo
SRC="$W/src"
mkfiles "$SRC" a/one.bin:700000 a/two.bin:300000 top.bin:200000
expect_exit 0 st backup --quiet "$SRC"
cp -a "$SRC" "$W/state-1"
index_files >"$W/index-1"
packs >"$W/packs-1"
mkfiles "$SRC" b/three.bin:900000 b/four.bin:100000
expect_exit 0 st backup --quiet "$SRC"
cp -a "$SRC" "$W/state-2"
index_files >"$W/index-2"
packs >"$W/packs-2"
mkfiles "$SRC" c/five.bin:500000 top.bin:250000
expect_exit 0 st backup --quiet "$SRC"
cp -a "$SRC" "$W/state-3"
expect_exit 0 st check --read-data
cp -a "$REPO" "$W/clean"
SECOND_INDEX=$(comm -13 "$W/index-1" "$W/index-2" | head -n 1)
[ -n "$SECOND_INDEX" ] || fail "the second backup wrote no index file"

# ---------------------------------------------------------------------------------
note "case 1: the second backup's index file is deleted"
rm -f "$REPO/$SECOND_INDEX"
check_advises_repair
prune_refuses
repair_as_documented
restores_every_snapshot

# ---------------------------------------------------------------------------------
note "case 2: one byte flipped in the second backup's index file"
restore_clean
flip "$REPO/$SECOND_INDEX"
check_advises_repair
expect_in "$W/check-output" "$SECOND_INDEX"
prune_refuses
expect_in "$WORK/err" "$SECOND_INDEX"
repair_as_documented
[ ! -e "$REPO/$SECOND_INDEX" ] || fail "the damaged index file was not removed after the repair"
restores_every_snapshot

# ---------------------------------------------------------------------------------
note "case 3: a pack with a damaged header is named and left in place"
restore_clean
rm -f "$REPO/$SECOND_INDEX"
PACK="$REPO/$(comm -13 "$W/packs-1" "$W/packs-2" | head -n 1)"  # one the lost index file listed
[ -f "$PACK" ] || fail "the second backup wrote no pack"
flip "$PACK" 20  # inside the sealed header's tag
cp "$PACK" "$W/damaged-pack"
expect_exit 13 st repair index
expect_in "$WORK/err" "strata: unreadable pack: ${PACK#"$REPO"/}"
[ "$(grep -c '^strata: unreadable pack: ' "$WORK/err")" = 1 ] || { cat "$WORK/err" >&2; fail "expected one line per unreadable pack"; }
cmp -s "$PACK" "$W/damaged-pack" || fail "repair index changed or removed the unreadable pack"
expect_exit 13 st check --read-data
expect_in "$WORK/err" "strata repair index"

echo "PASS test_repair_index"
