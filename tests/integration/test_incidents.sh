#!/usr/bin/env bash
# The incident procedures of docs/operations.md §6, followed as written: each block
# names its section, provokes the incident, checks the message the doc quotes and
# runs the doc's steps, ending with a clean `check`. (Corrupt data on a read-only
# repository and a lost index have their own tests: test_readonly_repo.sh and
# test_repair_index.sh.)
source "$(dirname "$0")/lib.sh"
export STRATA_KEY_FILE="$KEYFILE"
init_repo
SRC="$WORK/src"
mkdir -p "$SRC"
head -c 3000000 /dev/urandom >"$SRC/a"
echo hello >"$SRC/b"
"$STRATA" -q backup "$SRC"

# a backup that holds its lock until fd 3 of this shell is closed
start_held_backup() {
  rm -f "$WORK/fifo"; mkfifo "$WORK/fifo"
  "$STRATA" backup -q --stdin --stdin-name held <"$WORK/fifo" 2>"$WORK/held.err" &
  HELD=$!; BG_PIDS+=("$HELD")
  exec 3>"$WORK/fifo"
  for _ in $(seq 100); do [ -n "$(ls "$STRATA_REPOSITORY/locks")" ] && return 0; sleep 0.1; done
  fail "the held backup took no lock"
}

note "§6 Lock held (exit 11): wait, or unlock once the holder is gone"
start_held_backup
expect_exit 11 "$STRATA" prune
expect_in "$WORK/err" "is locked: shared lock by pid $HELD on host"
expect_in "$WORK/err" "(backup) since"
expect_in "$WORK/err" "if that process is gone run 'strata unlock'"
# step 2: prune --retry-lock waits for a holder that finishes
( sleep 1; echo data >&3; exec 3>&- ) &
exec 3>&-
expect_exit 0 "$STRATA" prune --retry-lock 60
wait "$HELD" || fail "the held backup failed: $(cat "$WORK/held.err")"
# step 3: the holder is gone (kill -9): unlock removes the stale lock
start_held_backup
kill -9 "$HELD"; wait "$HELD" 2>/dev/null || true
exec 3>&-
[ -n "$(ls "$STRATA_REPOSITORY/locks")" ] || fail "kill -9 left no lock to clean up"
expect_exit 0 "$STRATA" unlock
[ -z "$(ls "$STRATA_REPOSITORY/locks")" ] || fail "unlock left the stale lock"
expect_exit 0 "$STRATA" check

note "§6 Wrong key (exit 12)"
"$STRATA" init --generate-key-file "$WORK/other-key" --repo "$WORK/other-repo" -q
expect_exit 12 "$STRATA" --key-file "$WORK/other-key" snapshots
expect_in "$WORK/err" "strata: error: no key slot matches the given key file (1 slot(s) in $STRATA_REPOSITORY/keys)"

note "§6 Corrupt data, special case: a damaged snapshot object"
PREV=$(latest_id)
"$STRATA" -q backup "$SRC"
BAD=$(latest_id)
flip_byte "$STRATA_REPOSITORY/snapshots/$BAD"
expect_exit 13 "$STRATA" check
expect_in "$WORK/out" "snapshots/$BAD"
expect_exit 13 "$STRATA" prune
expect_exit 13 "$STRATA" restore latest --target "$WORK/r0"
expect_exit 0 "$STRATA" restore latest --latest-readable --target "$WORK/r1"
expect_in "$WORK/out" "restored snapshot ${PREV:0:8}"
# "Remove it with strata forget <id> (the full id from the check message)"
ID_FROM_CHECK=$( ("$STRATA" check 2>&1 || true) | sed -n 's/.*snapshots\/\([0-9a-f]\{64\}\).*/\1/p' | head -1)
[ "$ID_FROM_CHECK" = "$BAD" ] || fail "check did not name the full id ($ID_FROM_CHECK)"
expect_exit 0 "$STRATA" forget "$ID_FROM_CHECK"
expect_exit 0 "$STRATA" check
expect_exit 0 "$STRATA" prune

note "§6 Interrupted backup (kill -9): nothing urgent, prune removes the leftovers"
head -c 60000000 /dev/urandom >"$SRC/big"
"$STRATA" -q backup "$SRC" &
PID=$!; BG_PIDS+=("$PID")
for _ in $(seq 200); do [ "$(find "$STRATA_REPOSITORY/data" -newer "$SRC/big" -type f | wc -l)" -ge 2 ] && break; sleep 0.05; done
kill -9 "$PID"; wait "$PID" 2>/dev/null || true
SNAPS=$("$STRATA" snapshots --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
expect_exit 0 "$STRATA" check
expect_exit 0 "$STRATA" -q backup "$SRC"   # ignores the stale lock (same host, process gone)
expect_exit 0 "$STRATA" prune --json
# What prune frees is part of what data/ held, unindexed leftovers included.
python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); sys.exit(0 if r["bytes_freed"] <= r["bytes_before"] else f"prune report: {r}")' "$WORK/out" ||
  fail "prune reports freeing more than the repository held"
expect_exit 0 "$STRATA" check
[ "$("$STRATA" snapshots --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" = $((SNAPS + 1)) ] ||
  fail "snapshot count after the interrupted backup"
expect_exit 0 "$STRATA" restore latest --target "$WORK/r2"
cmp -s "$SRC/big" "$WORK/r2$SRC/big" || fail "restore after the interrupted backup"

note "§6 Disk full (exit 14): nothing partial, forget + prune frees space, backup again"
SMALL="$WORK/small"
mkdir -p "$SMALL"
if mount -t tmpfs -o size=12m tmpfs "$SMALL" 2>/dev/null; then
  umount_small() { umount -l "$SMALL" 2>/dev/null || true; }
  SERVER_CLEANUPS+=(umount_small)
  export STRATA_REPOSITORY="$SMALL/repo"
  "$STRATA" init -q
  mkdir -p "$WORK/src2" && head -c 4000000 /dev/urandom >"$WORK/src2/one"
  expect_exit 0 "$STRATA" -q backup "$WORK/src2"
  head -c 9000000 /dev/urandom >"$WORK/src2/two"
  expect_exit 14 "$STRATA" backup "$WORK/src2"
  expect_in "$WORK/err" "No space left on device (disk full)"
  [ "$("$STRATA" snapshots --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" = 1 ] ||
    fail "a snapshot was written on a full disk"
  [ -z "$(ls "$STRATA_REPOSITORY/locks")" ] || fail "the lock was not released"
  [ -z "$(find "$STRATA_REPOSITORY" -name '.tmp-*')" ] || fail "a temporary file was left"
  expect_exit 0 "$STRATA" check
  # steps 1–3: free space (the big new file goes elsewhere), forget, prune, back up again
  rm "$WORK/src2/two"
  expect_exit 0 "$STRATA" forget --keep-last 1
  expect_exit 0 "$STRATA" prune
  expect_exit 0 "$STRATA" -q backup "$WORK/src2"
  expect_exit 0 "$STRATA" check --read-data
else
  echo "SKIP disk full: cannot mount a tmpfs here"
fi
echo "ok"
