#!/usr/bin/env bash
# Regression tests for defects found in review: a file whose bytes equal a tree
# encoding, a source below a symlinked directory, a pseudo-file that delivers fewer
# bytes than its size, a lock removed while a backup runs.
source "$(dirname "$0")/lib.sh"

init_repo

note "a file whose content equals an encoded empty tree never shares its id"
mkdir -p "$WORK/t1/emptydir"
printf '\x82\xa5\x6e\x6f\x64\x65\x73\x90\xa1\x76\x01' > "$WORK/t1/tree-bytes"
st backup -q "$WORK/t1"
expect_exit 0 st check --read-data
expect_exit 0 st restore latest --target "$WORK/r1"
cmp "$WORK/t1/tree-bytes" "$WORK/r1$WORK/t1/tree-bytes" || fail "tree-bytes file restored wrong"
[ -d "$WORK/r1$WORK/t1/emptydir" ] || fail "empty directory not restored"

note "a source below a symlinked directory is stored where it really is"
mkdir -p "$WORK/t2/real/dir"
echo hello > "$WORK/t2/real/dir/f.txt"
ln -s real "$WORK/t2/link"
st backup -q "$WORK/t2/link/dir"
expect_exit 0 st restore latest --target "$WORK/r2"
[ "$(cat "$WORK/r2$WORK/t2/real/dir/f.txt")" = hello ] || fail "file below a symlinked parent not restored"
st snapshots --json | python3 -c "
import json,sys; s=json.load(sys.stdin)[-1]
assert s['paths']==['$WORK/t2/real/dir'], s['paths']"

note "a pseudo-file shorter than its reported size is stored with its real length"
SYSF=/sys/kernel/mm/transparent_hugepage/enabled
if [ -r "$SYSF" ]; then
  st backup -q "$SYSF"
  st dump latest "$SYSF" > "$WORK/sysf"
  want=$(wc -c < "$SYSF")
  got=$(wc -c < "$WORK/sysf")
  [ "$got" = "$want" ] || fail "sysfs file stored as $got bytes, it has $want"
else
  echo "SKIP sysfs file"
fi

note "a backup whose lock was removed meanwhile commits nothing"
before=$(st snapshots --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
mkfifo "$WORK/fifo"
st backup -q --stdin --stdin-name held < "$WORK/fifo" 2>"$WORK/held.err" &
BG=$!; BG_PIDS+=("$BG")
exec 3>"$WORK/fifo"
for _ in $(seq 50); do [ -n "$(ls "$STRATA_REPOSITORY/locks" 2>/dev/null)" ] && break; sleep 0.1; done
st unlock --remove-all -q
echo data >&3
exec 3>&-
rc=0; wait "$BG" || rc=$?
[ "$rc" = 11 ] || { cat "$WORK/held.err" >&2; fail "backup after losing its lock exited $rc, expected 11"; }
grep -q "was removed or went stale" "$WORK/held.err" || fail "no clear message about the lost lock"
after=$(st snapshots --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
[ "$before" = "$after" ] || fail "a snapshot was committed without a lock"
expect_exit 0 st check

note "a backup leaves access times alone (else every next backup stores the trees again)"
AT="$WORK/atimes"
mkdir -p "$AT/a/b" && echo 1 >"$AT/a/b/f"
find "$AT" -exec touch -a -d 2020-01-01 {} +  # older than mtime: relatime would update it
st backup -q "$AT"
old_atime=$(date -d 2020-01-01 +%s)
for p in "$AT" "$AT/a" "$AT/a/b" "$AT/a/b/f"; do
  [ "$(stat -c %X "$p")" = "$old_atime" ] || fail "backup changed the atime of $p"
done

echo "PASS: test_regressions"
