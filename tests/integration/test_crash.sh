#!/usr/bin/env bash
# Crash safety: backups and prunes killed with SIGKILL (some stopped with SIGTERM /
# SIGINT) at random moments must never leave a repository that fails
# `check --read-data` or a listed snapshot that does not restore byte-exactly.
#
#   TRIALS        number of kill trials (default 20; slow_crash.sh uses 100)
#   CRASH_SEED    seed of the random kill times and mutations (default: random, printed)
#   CRASH_TREE_MIB size of the source tree (default 200)
#   CRASH_KEEP_DIR if set, a repository that fails check is copied there
#
# usage: bash test_crash.sh /path/to/strata
source "$(dirname "$0")/lib.sh"
# lib.sh's st, bounded: a hanging strata fails the test with exit 124 instead of
# running into the ctest timeout
st() { timeout -k 10 "${STRATA_CMD_TIMEOUT:-600}" "$STRATA" --key-file "$KEYFILE" "$@"; }

TRIALS=${TRIALS:-20}
CRASH_SEED=${CRASH_SEED:-$((RANDOM * 32768 + RANDOM))}
CRASH_TREE_MIB=${CRASH_TREE_MIB:-200}
RANDOM=$CRASH_SEED
note "TRIALS=$TRIALS CRASH_SEED=$CRASH_SEED (rerun with CRASH_SEED=$CRASH_SEED to repeat the kill schedule)"

MAKE_TREE="$TESTS_DIR/make_tree.py"
CMP="$TESTS_DIR/compare_trees.py"
SRC="$(readlink -f "$WORK")/src"

declare -A MANIFEST=()   # snapshot id -> manifest of the source when that backup started
declare -A ALIVE=()      # ids that must still be listed (completed and not forgotten)
STATE=0                  # number of the current source state ($WORK/state$STATE.json)
MUT=0                    # number of mutations so far
KILLED_RUNNING=0         # kills that hit a running process
FINISHED_FIRST=0         # trials whose process had already finished

# random milliseconds in [lo, hi]
rand_ms() { echo $(($1 + (RANDOM * 32768 + RANDOM) % ($2 - $1 + 1))); }
ms_to_s() { printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000)); }
now_ms() { date +%s%3N; }

save_state() {
  STATE=$((STATE + 1))
  python3 "$CMP" --save-manifest "$SRC" "$WORK/state$STATE.json"
}

# mutate: deterministic (per seed and mutation number) changes to the source tree: a few files
# overwritten in place, one appended to, one new file of 4-24 MiB, old added files
# removed (the tree stays around its initial size)
mutate() {
  MUT=$((MUT + 1))
  python3 - "$SRC" "$MUT" "$CRASH_SEED" <<'EOF'
import os, random, sys
src, n, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng = random.Random(seed * 100003 + n)
files = sorted(os.path.join(dp, f) for dp, _, fs in os.walk(src) for f in fs
               if "/added/" not in os.path.join(dp, f))
for p in rng.sample(files, 3):
    size = os.path.getsize(p)
    with open(p, "r+b") as f:
        off = rng.randrange(0, max(1, size))
        f.seek(off)
        f.write(rng.randbytes(min(4096, max(1, size - off))))
with open(rng.choice(files), "ab") as f:
    f.write(rng.randbytes(rng.randrange(1, 20000)))
os.makedirs(os.path.join(src, "added"), exist_ok=True)
with open(os.path.join(src, "added", "n%04d.bin" % n), "wb") as f:
    f.write(rng.randbytes(rng.randrange(4 << 20, 24 << 20)))
for name in os.listdir(os.path.join(src, "added")):
    k = int(name[1:-4])
    if k < n - 3:
        os.remove(os.path.join(src, "added", name))
EOF
}

# reconcile WHAT: every snapshot now listed gets the manifest of the current source
# state if it is new (a backup that completed, possibly just before being killed);
# every snapshot in ALIVE must still be listed.
reconcile() {
  local ids id rc=0
  ids=$(st snapshots --json 2>"$WORK/snap.err" | python3 -c 'import json,sys; [print(s["id"]) for s in json.load(sys.stdin)]') || rc=$?
  if [ "$rc" != 0 ]; then cat "$WORK/snap.err" >&2; fail "snapshots --json failed after $1"; fi
  for id in $ids; do
    if [ -z "${MANIFEST[$id]:-}" ]; then
      MANIFEST[$id]="$WORK/state$STATE.json"
      note "new snapshot ${id:0:12} after $1 -> state $STATE"
    fi
  done
  for id in "${!ALIVE[@]}"; do
    grep -qx "$id" <<<"$ids" || fail "snapshot $id (completed earlier) is no longer listed after $1"
  done
}

list_ids() {
  st snapshots --json | python3 -c 'import json,sys; [print(s["id"]) for s in json.load(sys.stdin)]'
}

forget_keep_last_1() {  # forget_keep_last_1 WHAT: only the newest snapshot stays
  local id
  expect_exit 0 st forget --keep-last 1
  for id in "${!ALIVE[@]}"; do unset "ALIVE[$id]"; done
  reconcile "$1"
  for id in $(list_ids); do ALIVE[$id]=1; done
  [ "${#ALIVE[@]}" = 1 ] || fail "$1: forget --keep-last 1 left ${#ALIVE[@]} snapshots"
  quick_check "$1"
}

quick_check() {  # quick_check WHAT: a structural check must pass
  local rc=0
  st check >"$WORK/ck.out" 2>&1 || rc=$?
  if [ "$rc" != 0 ]; then
    cat "$WORK/ck.out" >&2
    if [ -n "${CRASH_KEEP_DIR:-}" ]; then   # keep the broken repository for debugging
      mkdir -p "$CRASH_KEEP_DIR"; cp -a "$STRATA_REPOSITORY" "$CRASH_KEEP_DIR/repo"
      cp -a "$KEYFILE" "$WORK"/kr.* "$CRASH_KEEP_DIR/" 2>/dev/null || true
      note "broken repository kept in $CRASH_KEEP_DIR"
    fi
    fail "check after $1 exited $rc"
  fi
}

complete_backup() {  # complete_backup WHAT [backup options]
  local rc=0 id what=$1; shift
  st backup --json "$@" "$SRC" >"$WORK/cb.out" 2>"$WORK/cb.err" || rc=$?
  if [ "$rc" != 0 ]; then
    cat "$WORK/cb.err" >&2; fail "backup ($what) exited $rc"
  fi
  id=$(python3 -c '
import json, sys
for l in open(sys.argv[1]):
    if l.strip():
        o = json.loads(l)
        if o.get("message_type") == "summary":
            print(o["snapshot_id"])' "$WORK/cb.out")
  [[ "$id" =~ ^[0-9a-f]{64}$ ]] || fail "backup ($what): no snapshot_id in the --json summary"
  reconcile "$what"
  [ "${MANIFEST[$id]}" = "$WORK/state$STATE.json" ] || fail "backup ($what): snapshot $id was already known"
  ALIVE[$id]=1
  quick_check "$what"
}

# killed_run SIG WHAT MIN_MS MAX_MS ARGS... : start strata ARGS in the background, send
# it SIG (KILL, TERM or INT) after a random delay, reap it. Fails if it exited on its
# own with an error. After TERM/INT the process must exit 130 (or 0 if it had finished)
# and leave no lock behind.
killed_run() {
  local sig=$1 what=$2 lo=$3 hi=$4; shift 4
  local ms pid rc=0 n
  ms=$(rand_ms "$lo" "$hi")
  ( exec "$STRATA" --key-file "$KEYFILE" --quiet "$@" >"$WORK/kr.out" 2>"$WORK/kr.err" ) &
  pid=$!
  BG_PIDS+=("$pid")
  sleep "$(ms_to_s "$ms")"
  kill -s "$sig" "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || rc=$?
  if [ "$rc" = 0 ]; then
    FINISHED_FIRST=$((FINISHED_FIRST + 1))
    note "$what: finished before SIG$sig at ${ms} ms"
  elif [ "$sig" = KILL ] && [ "$rc" = 137 ]; then
    KILLED_RUNNING=$((KILLED_RUNNING + 1))
    note "$what: killed after ${ms} ms"
  elif [ "$sig" != KILL ] && [ "$rc" = 130 ]; then
    KILLED_RUNNING=$((KILLED_RUNNING + 1))
    note "$what: interrupted by SIG$sig after ${ms} ms (exit 130)"
  elif [ "$sig" = TERM ] && [ "$rc" = 143 ]; then
    # On a loaded machine the signal can arrive while the process is still starting,
    # before its handler exists: the default action, nothing written yet.
    KILLED_RUNNING=$((KILLED_RUNNING + 1))
    note "$what: SIGTERM at ${ms} ms arrived before start-up finished (exit 143)"
  else
    cat "$WORK/kr.err" >&2
    fail "$what: strata $* exited $rc after SIG$sig at ${ms} ms (expected 0 or $([ "$sig" = KILL ] && echo 137 || echo 130))"
  fi
  if [ "$sig" != KILL ] && [ -d "$STRATA_REPOSITORY" ]; then  # (local repositories: locks are files)
    # Locks only: a .tmp- file is the unfinished write of a process SIGKILLed in an
    # earlier trial (never read as a lock; prune removes it once it is old).
    n=$(find "$STRATA_REPOSITORY/locks" -type f ! -name '.tmp-*' 2>/dev/null | wc -l || true)
    [ "$n" = 0 ] || { ls -la "$STRATA_REPOSITORY/locks" >&2; fail "$what: after SIG$sig (exit $rc) $n lock(s) remain in locks/"; }
  fi
}

after_kill() {  # unlock, then a structural check must pass
  local rc=0
  st unlock >"$WORK/ul.out" 2>&1 || rc=$?
  [ "$rc" = 0 ] || { cat "$WORK/ul.out" >&2; fail "unlock after $1 exited $rc"; }
  quick_check "$1"
}

verify_snapshot() {  # verify_snapshot ID WHAT
  local id=$1 rc=0
  rm -rf "$WORK/verify"
  st restore "$id" --target "$WORK/verify" >"$WORK/vr.out" 2>&1 || rc=$?
  [ "$rc" = 0 ] || { cat "$WORK/vr.out" >&2; fail "restore of snapshot $id ($2) exited $rc"; }
  python3 "$CMP" --quiet "${MANIFEST[$id]}" "$WORK/verify$SRC" \
    || fail "snapshot $id ($2) does not restore to the source state it was taken from (${MANIFEST[$id]})"
  rm -rf "$WORK/verify"
}

# ---------------------------------------------------------------------------------
note "generating a ${CRASH_TREE_MIB} MiB source tree"
python3 "$MAKE_TREE" --profile bulk --size-mib "$CRASH_TREE_MIB" --seed 7 "$SRC"
init_repo

save_state
complete_backup "initial backup"
# reference durations on this machine, so that the kill times fall inside the runs
mutate; save_state
t0=$(now_ms); complete_backup "reference incremental backup"; INCR_MS=$(($(now_ms) - t0))
mutate; save_state
t0=$(now_ms); complete_backup "reference backup --force" --force; FORCE_MS=$(($(now_ms) - t0))
note "reference durations: incremental backup ${INCR_MS} ms, backup --force ${FORCE_MS} ms"

# a completed forget + prune to learn how long a prune takes here
mutate; save_state; complete_backup "backup before the reference prune"
forget_keep_last_1 "reference forget"
t0=$(now_ms)
expect_exit 0 st prune
PRUNE_MS=$(($(now_ms) - t0))
quick_check "reference prune"
note "reference prune took ${PRUNE_MS} ms"
reconcile "reference prune"
# kill windows: from 50 ms (20 ms for prunes) to a little past the reference duration
# of that kind of run, at most 1500 ms
window() { local w=$(($1 * 11 / 10 + 30)); echo $((w < 1500 ? w : 1500)); }
INCR_HI=$(window "$INCR_MS"); FORCE_HI=$(window "$FORCE_MS"); PRUNE_HI=$(window "$PRUNE_MS")
note "kill windows: incremental backup 50-$INCR_HI ms, backup --force 50-$FORCE_HI ms, prune 20-$PRUNE_HI ms"

for ((t = 1; t <= TRIALS; t++)); do
  if ((t % 3 == 0)); then
    # ---- prune trial: make prune have work, then kill it --------------------------
    mutate; save_state; complete_backup "trial $t: backup before forget"
    forget_keep_last_1 "trial $t: forget"
    before=$(list_ids)
    sig=KILL; if ((t % 6 == 0)); then sig=INT; fi
    killed_run "$sig" "trial $t: prune" 20 "$PRUNE_HI" prune
    after_kill "trial $t (prune)"
    reconcile "trial $t (killed prune)"
    after=$(list_ids)
    [ "$before" = "$after" ] || fail "trial $t: the snapshot list changed across a killed prune: '$before' -> '$after'"
    for id in $after; do verify_snapshot "$id" "kept across the prune killed in trial $t"; done
  else
    # ---- backup trial ----------------------------------------------------------------
    mutate; save_state
    if ((t % 4 != 1)); then
      sig=KILL; if ((t % 5 == 2)); then sig=TERM; fi
      killed_run "$sig" "trial $t: backup --force" 50 "$FORCE_HI" backup --force "$SRC"
    else
      killed_run KILL "trial $t: backup" 50 "$INCR_HI" backup "$SRC"
    fi
    after_kill "trial $t (backup)"
    reconcile "trial $t (killed backup)"
    if ((t % 2 == 1)); then
      mutate; save_state; complete_backup "trial $t: completed backup"
    fi
  fi
done

note "signals that hit a running process: $KILLED_RUNNING, processes that finished first: $FINISHED_FIRST"
[ "$KILLED_RUNNING" -gt 0 ] || fail "no signal hit a running strata process: the test did not test anything"

note "final unlock + check --read-data"
expect_exit 0 st unlock
rc=0
st check --read-data >"$WORK/final_check.out" 2>&1 || rc=$?
[ "$rc" = 0 ] || { cat "$WORK/final_check.out" >&2; fail "check --read-data after $TRIALS crash trials exited $rc"; }

ids=$(list_ids)
n=0
for id in $ids; do
  [ -n "${MANIFEST[$id]:-}" ] || fail "snapshot $id is listed but was never seen being created"
  verify_snapshot "$id" "final"
  n=$((n + 1))
done
[ "$n" -gt 0 ] || fail "no snapshot left to verify"
note "all $n listed snapshots restore byte-exactly"
echo "PASS: $(basename "$0") ($TRIALS trials, seed $CRASH_SEED)" >&2
