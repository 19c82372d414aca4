#!/usr/bin/env bash
# Concurrent clients and locks:
#  1. two backups of different trees (sharing some identical files) into one repository
#     at the same time, twice: both exit 0, check --read-data passes, every snapshot
#     restores identical to its tree;
#  2. a running backup holds a lock: prune fails with exit 11 naming the holder (host and
#     pid), unlock leaves a live lock alone, and prune succeeds once the backup is done;
#  3. a backup killed with SIGKILL leaves a stale lock: after unlock, prune works and
#     check passes (prune ignoring the dead process's lock on its own is also accepted).
# usage: bash test_concurrency.sh /path/to/strata
source "$(dirname "$0")/lib.sh"
# lib.sh's st, bounded: a hanging strata fails the test with exit 124 instead of
# running into the ctest timeout
st() { timeout -k 10 "${STRATA_CMD_TIMEOUT:-600}" "$STRATA" --key-file "$KEYFILE" "$@"; }

MAKE_TREE="$TESTS_DIR/make_tree.py"
CMP="$TESTS_DIR/compare_trees.py"
REPO="$STRATA_REPOSITORY"
HOST=$(uname -n)

summary_id() {  # summary_id FILE: snapshot_id of the --json summary
  python3 -c '
import json, sys
ids = []
for l in open(sys.argv[1]):
    if l.strip():
        o = json.loads(l)
        if o.get("message_type") == "summary":
            ids.append(o["snapshot_id"])
if len(ids) != 1:
    sys.exit("%s: %d summary lines" % (sys.argv[1], len(ids)))
print(ids[0])' "$1"
}

dur() { python3 -c '
import json, sys
for l in open(sys.argv[1]):
    if l.strip() and json.loads(l).get("message_type") == "summary":
        print(json.loads(l).get("duration_seconds"))' "$1"; }

restore_compare() {  # restore_compare SNAP TREE_DIR_OR_MANIFEST SRC_PATH WHAT
  local rc=0
  rm -rf "$WORK/rst"
  st restore "$1" --target "$WORK/rst" >"$WORK/rst.out" 2>&1 || rc=$?
  [ "$rc" = 0 ] || { cat "$WORK/rst.out" >&2; fail "restore $1 ($4) exited $rc"; }
  python3 "$CMP" --quiet "$2" "$WORK/rst$3" || fail "restore of $1 ($4) differs from $2"
  rm -rf "$WORK/rst"
}

# parallel_backups ROUND: back up A and B at the same time
parallel_backups() {  # parallel_backups ROUND [backup options]
  local pa pb ra=0 rb=0 round=$1; shift
  set -- "$round" "$@"
  ( shift; exec "$STRATA" --key-file "$KEYFILE" backup --json "$@" "$A" >"$WORK/a$round.json" 2>"$WORK/a$round.err" ) &
  pa=$!; BG_PIDS+=("$pa")
  ( shift; exec "$STRATA" --key-file "$KEYFILE" backup --json "$@" "$B" >"$WORK/b$round.json" 2>"$WORK/b$round.err" ) &
  pb=$!; BG_PIDS+=("$pb")
  wait "$pa" || ra=$?
  wait "$pb" || rb=$?
  if [ "$ra" != 0 ] || [ "$rb" != 0 ]; then
    echo "--- backup A stderr:" >&2; cat "$WORK/a$1.err" >&2
    echo "--- backup B stderr:" >&2; cat "$WORK/b$1.err" >&2
    fail "round $1: concurrent backups exited $ra (A) and $rb (B), expected 0 and 0"
  fi
  SA=$(summary_id "$WORK/a$1.json"); SB=$(summary_id "$WORK/b$1.json")
  note "round $1: backup A took $(dur "$WORK/a$1.json") s, backup B $(dur "$WORK/b$1.json") s"
  [ "$SA" != "$SB" ] || fail "round $1: both backups report the same snapshot id $SA"
}

# ---- 1. two concurrent backups ------------------------------------------------------
A="$(readlink -f "$WORK")/treeA"; B="$(readlink -f "$WORK")/treeB"
python3 "$MAKE_TREE" --profile bulk --size-mib 80 --seed 1 "$A"
python3 "$MAKE_TREE" --profile bulk --size-mib 80 --seed 2 "$B"
# identical content in both trees: both writers upload the same blobs at the same time
mkdir -p "$B/shared"
cp -a "$A/d00" "$A/d01" "$B/shared/"
init_repo

note "round 1: two concurrent initial backups"
parallel_backups 1
SA1=$SA; SB1=$SB
python3 "$CMP" --save-manifest "$A" "$WORK/A1.json"
python3 "$CMP" --save-manifest "$B" "$WORK/B1.json"

note "round 2: two concurrent incremental backups after changes"
python3 - "$A" "$B" <<'EOF'
import os, random, sys
rng = random.Random(99)
for root in sys.argv[1:]:
    files = sorted(os.path.join(dp, f) for dp, _, fs in os.walk(root) for f in fs)
    for p in rng.sample(files, 5):
        with open(p, "ab") as f:
            f.write(rng.randbytes(10000))
    with open(os.path.join(root, "new.bin"), "wb") as f:
        f.write(rng.randbytes(8 << 20))
    os.remove(files[-1])
EOF
parallel_backups 2
SA2=$SA; SB2=$SB
python3 "$CMP" --save-manifest "$A" "$WORK/A2.json"
python3 "$CMP" --save-manifest "$B" "$WORK/B2.json"

note "round 3: two concurrent backups --force (every file re-read, all blobs already stored)"
echo "round 3" >"$A/round3.txt"; echo "round 3" >"$B/round3.txt"
parallel_backups 3 --force
SA3=$SA; SB3=$SB

n=$(st snapshots --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
[ "$n" = 6 ] || fail "expected 6 snapshots after three rounds of two backups, snapshots --json lists $n"
note "check --read-data"
expect_exit 0 st check --read-data
note "restore all six snapshots"
restore_compare "$SA1" "$WORK/A1.json" "$A" "tree A, round 1"
restore_compare "$SB1" "$WORK/B1.json" "$B" "tree B, round 1"
restore_compare "$SA2" "$WORK/A2.json" "$A" "tree A, round 2"
restore_compare "$SB2" "$WORK/B2.json" "$B" "tree B, round 2"
restore_compare "$SA3" "$A" "$A" "tree A, round 3"
restore_compare "$SB3" "$B" "$B" "tree B, round 3"

# ---- 2. a live lock blocks prune -------------------------------------------------------
# The long-running backup reads standard input from a fifo that this script feeds: it
# runs (and holds its lock) exactly as long as we want, whatever the machine's speed.
head -c $((3 * 1024 * 1024)) /dev/urandom >"$WORK/part1"
head -c $((2 * 1024 * 1024)) /dev/urandom >"$WORK/part2"
cat "$WORK/part1" "$WORK/part2" >"$WORK/stdin_all"

FEEDER_PID=""
BACKUP_PID=""
# start_stdin_backup NAME: backup --stdin fed part1, then part2 once $WORK/release exists
start_stdin_backup() {
  rm -f "$WORK/fifo" "$WORK/release"
  mkfifo "$WORK/fifo"
  { find "$REPO" -type f 2>/dev/null || true; } | sort >"$WORK/repo_files_before"
  python3 - "$WORK/fifo" "$WORK/part1" "$WORK/part2" "$WORK/release" <<'EOF' &
import os, sys, time
fifo, p1, p2, release = sys.argv[1:5]
with open(fifo, "wb") as f:
    f.write(open(p1, "rb").read())
    f.flush()
    while not os.path.exists(release):
        time.sleep(0.05)
    f.write(open(p2, "rb").read())
EOF
  FEEDER_PID=$!; BG_PIDS+=("$FEEDER_PID")
  ( exec "$STRATA" --key-file "$KEYFILE" backup --json --stdin --stdin-name "$1" \
      <"$WORK/fifo" >"$WORK/stdin_backup.json" 2>"$WORK/stdin_backup.err" ) &
  BACKUP_PID=$!; BG_PIDS+=("$BACKUP_PID")
  # wait until the backup has created something in the repository (its lock)
  local i new
  for ((i = 0; i < 200; i++)); do
    kill -0 "$BACKUP_PID" 2>/dev/null || { cat "$WORK/stdin_backup.err" >&2; fail "backup --stdin ended early"; }
    { find "$REPO" -type f 2>/dev/null || true; } | sort >"$WORK/repo_files_now"
    # a new file that is not a temporary one (.tmp*, *.tmp) is taken to be the lock
    new=$(comm -13 "$WORK/repo_files_before" "$WORK/repo_files_now" | grep -v -e '/\.tmp[^/]*$' -e '\.tmp$' || true)
    if [ -n "$new" ]; then
      note "backup --stdin (pid $BACKUP_PID) created: $(echo "$new" | sed "s|$REPO/||" | tr '\n' ' ')"
      sleep 0.2
      return 0
    fi
    sleep 0.1
  done
  fail "backup --stdin (pid $BACKUP_PID) created no file in the repository within 20 s (no lock?)"
}

note "prune while a backup is running"
start_stdin_backup locked.bin
expect_exit 11 st prune
kill -0 "$BACKUP_PID" 2>/dev/null || fail "the backup ended while the lock test ran"
grep -qi lock "$WORK/err" || { cat "$WORK/err" >&2; fail "prune blocked by a lock: message does not mention the lock"; }
grep -qw "$BACKUP_PID" "$WORK/err" || { cat "$WORK/err" >&2; fail "prune blocked by a lock: message does not name the holder's pid $BACKUP_PID"; }
grep -qF "$HOST" "$WORK/err" || { cat "$WORK/err" >&2; fail "prune blocked by a lock: message does not name the holder's host $HOST"; }
note "prune's message: $(head -c 300 "$WORK/err")"

note "shared locks: check and another backup run while the backup holds its lock"
expect_exit 0 st check
mkdir -p "$WORK/small"; echo "small tree" >"$WORK/small/f"
expect_exit 0 st backup --quiet "$WORK/small"
kill -0 "$BACKUP_PID" 2>/dev/null || fail "the backup ended while the lock test ran"

note "forget (exclusive) is refused, prune --dry-run (shared) runs"
expect_exit 11 st forget "$SA1"
grep -qi lock "$WORK/err" || { cat "$WORK/err" >&2; fail "forget blocked by a lock: message does not mention the lock"; }
expect_exit 0 st prune --dry-run
kill -0 "$BACKUP_PID" 2>/dev/null || fail "the backup ended while the lock test ran"

note "unlock must not remove a live lock"
expect_exit 0 st unlock
expect_exit 11 st prune
kill -0 "$BACKUP_PID" 2>/dev/null || fail "the backup ended while the lock test ran"

note "prune --retry-lock waits for the lock"
( exec "$STRATA" --key-file "$KEYFILE" prune --retry-lock 120 >"$WORK/retry.out" 2>"$WORK/retry.err" ) &
RETRY_PID=$!; BG_PIDS+=("$RETRY_PID")
sleep 2
kill -0 "$RETRY_PID" 2>/dev/null || { cat "$WORK/retry.err" >&2; fail "prune --retry-lock 120 did not wait for the backup's lock"; }
kill -0 "$BACKUP_PID" 2>/dev/null || fail "the backup ended while the lock test ran"

note "let the backup finish; prune then succeeds"
touch "$WORK/release"
rc=0; wait "$BACKUP_PID" || rc=$?
[ "$rc" = 0 ] || { cat "$WORK/stdin_backup.err" >&2; fail "backup --stdin exited $rc"; }
wait "$FEEDER_PID" || true
SL=$(summary_id "$WORK/stdin_backup.json")
rc=0; wait "$RETRY_PID" || rc=$?
[ "$rc" = 0 ] || { cat "$WORK/retry.err" >&2; fail "prune --retry-lock exited $rc after the lock was released"; }
expect_exit 0 st prune
# the stdin snapshot holds part1+part2
path=$(st ls --json "$SL" | python3 -c '
import json, sys
for l in sys.stdin:
    if l.strip():
        o = json.loads(l)
        if o.get("name") == "locked.bin":
            print(o["path"])')
[ -n "$path" ] || fail "ls --json $SL: no entry named locked.bin"
st dump "$SL" "$path" >"$WORK/dumped"
cmp "$WORK/dumped" "$WORK/stdin_all" || fail "dump of the --stdin snapshot differs from what was fed"

# ---- 3. a stale lock from a killed backup --------------------------------------------------
note "kill -9 a running backup, leaving its lock behind"
start_stdin_backup killed.bin
rc=0
{ kill -9 "$BACKUP_PID"; wait "$BACKUP_PID"; } 2>/dev/null || rc=$?
[ "$rc" = 137 ] || fail "killed backup: wait returned $rc, expected 137"
kill -9 "$FEEDER_PID" 2>/dev/null || true
wait "$FEEDER_PID" 2>/dev/null || true

# a lock whose process is gone on this host is stale, and stale locks never block
# (docs/repository-format.md section 10)
expect_exit 0 st prune
note "unlock, then prune and check"
start_stdin_backup killed2.bin
rc=0
{ kill -9 "$BACKUP_PID"; wait "$BACKUP_PID"; } 2>/dev/null || rc=$?
kill -9 "$FEEDER_PID" 2>/dev/null || true
wait "$FEEDER_PID" 2>/dev/null || true
expect_exit 0 st unlock
n=$(find "$REPO/locks" -type f 2>/dev/null | wc -l)
[ "$n" = 0 ] || fail "unlock left $n lock(s) of a dead process in $REPO/locks"
expect_exit 0 st prune
expect_exit 0 st check
# nothing the killed backups left behind may disturb the other snapshots
restore_compare "$SA3" "$A" "$A" "tree A, after the stale-lock prunes"

# ---- 4. SIGTERM / SIGINT: the process removes its own lock and exits 130 -------------------
for sig in TERM INT; do
  note "SIG$sig to a running backup"
  start_stdin_backup "sig$sig.bin"
  rc=0
  { kill -s "$sig" "$BACKUP_PID"; wait "$BACKUP_PID"; } 2>/dev/null || rc=$?
  kill -9 "$FEEDER_PID" 2>/dev/null || true
  wait "$FEEDER_PID" 2>/dev/null || true
  [ "$rc" = 130 ] || { cat "$WORK/stdin_backup.err" >&2; fail "backup stopped by SIG$sig exited $rc, expected 130"; }
  n=$(find "$REPO/locks" -type f 2>/dev/null | wc -l)
  [ "$n" = 0 ] || fail "backup stopped by SIG$sig left $n lock(s) in $REPO/locks"
  expect_exit 0 st prune
  expect_exit 0 st check
done

# ---- 5. lock races: a prune started while a backup is starting up or writing packs --------
# Whatever the interleaving, either prune is refused (11), or the backup is (11), or one
# ran after the other; never may prune delete the packs of a backup in progress.
# A separate repository with 1 MiB packs, so that a backup writes many packs (and an
# index file every 32 of them) while prune may start.
ROUNDS=${RACE_ROUNDS:-10}
export STRATA_REPOSITORY="$WORK/race_repo"
expect_exit 0 "$STRATA" init --key-file "$KEYFILE" --quiet --pack-size 1 \
  --chunk-min 65536 --chunk-avg 262144 --chunk-max 786432
race_file() {
  python3 -c 'import os,sys; open(sys.argv[1],"wb").write(os.urandom(int(sys.argv[2])))' \
    "$A/race.bin" $(( (16 + $1 % 9) * 1048576 ))
}
race_file 0
expect_exit 0 st backup --quiet "$A"
race_file 1
t0=$(date +%s%3N)
expect_exit 0 st backup --quiet "$A"
RACE_MS=$(( $(date +%s%3N) - t0 ))
note "$ROUNDS rounds of backup + prune started together (prune delayed by 0-$((RACE_MS * 12 / 10)) ms; a backup takes ${RACE_MS} ms)"
for ((r = 1; r <= ROUNDS; r++)); do
  race_file $((r + 1))
  python3 "$CMP" --save-manifest "$A" "$WORK/race.json"
  ( exec "$STRATA" --key-file "$KEYFILE" backup --json "$A" >"$WORK/race_b.json" 2>"$WORK/race_b.err" ) &
  pb=$!; BG_PIDS+=("$pb")
  d=$(( RACE_MS * 12 / 10 * (r - 1) / (ROUNDS > 1 ? ROUNDS - 1 : 1) ))
  sleep "$(printf '%d.%03d' $((d / 1000)) $((d % 1000)))"
  ( exec "$STRATA" --key-file "$KEYFILE" prune >"$WORK/race_p.out" 2>"$WORK/race_p.err" ) &
  pp=$!; BG_PIDS+=("$pp")
  rb=0; wait "$pb" || rb=$?
  rp=0; wait "$pp" || rp=$?
  note "round $r: backup exit $rb, prune exit $rp"
  case "$rb" in 0|11) ;; *) cat "$WORK/race_b.err" >&2; fail "round $r: backup exited $rb" ;; esac
  case "$rp" in 0|11) ;; *) cat "$WORK/race_p.err" >&2; fail "round $r: prune exited $rp" ;; esac
  expect_exit 0 st check
  if [ "$rb" = 0 ]; then
    restore_compare "$(summary_id "$WORK/race_b.json")" "$WORK/race.json" "$A" "race round $r"
  fi
done
expect_exit 0 st check --read-data
echo "PASS: $(basename "$0")" >&2
