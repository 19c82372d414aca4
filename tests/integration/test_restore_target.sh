#!/usr/bin/env bash
# Restore into a target that already holds things, and which snapshot 'latest' means:
# - the replace rule applies path by path: a file where the snapshot has a directory
#   and an empty directory where it has a file are replaced; a non-empty directory in
#   the way of a file is named, left alone, and every other path is still restored
#   with its recorded mode (exit 3); the summary counts files actually restored;
# - --target / needs --force; a target inside the backed-up source is warned about;
# - 'latest' with an unreadable newest snapshot fails (exit 13, naming it) instead
#   of silently restoring an older one; --latest-readable is the explicit choice.
source "$(dirname "$0")/lib.sh"
export STRATA_KEY_FILE="$KEYFILE"
init_repo
SRC="$WORK/src"
mkdir -p "$SRC/d/sub" "$SRC/e" "$SRC/later"
echo a >"$SRC/f"; echo b >"$SRC/d/g"; echo c >"$SRC/e/h"; echo z >"$SRC/zz"; echo s >"$SRC/d/sub/s"
chmod 0750 "$SRC/d"; chmod 0640 "$SRC/e/h"
for i in 1 2 3 4 5 6; do echo "$i" >"$SRC/later/n$i"; done
"$STRATA" -q backup "$SRC"
OLD=$(latest_id)

note "conflicts are resolved per path"
T="$WORK/t"
R="$T$SRC"
mkdir -p "$R/f/inner" "$R/zz" "$R/e"
echo keep >"$R/f/inner/x"       # non-empty directory where the snapshot has a file
echo in-the-way >"$R/d"         # a file where the snapshot has a directory
echo old >"$R/e/h"              # an older file: replaced
expect_exit 3 "$STRATA" restore latest --target "$T"
expect_in "$WORK/err" "strata: error: not restored: $R/f: a non-empty directory is in the way"
expect_in "$WORK/err" "1 path(s) were not restored"
# Every file except f: g, h, zz, s and the six under later/.
expect_in "$WORK/out" ": 10 files,"
[ "$(cat "$R/f/inner/x")" = keep ] || fail "the directory in the way was touched"
for p in d/g e/h zz d/sub/s later/n6; do cmp -s "$SRC/$p" "$R/$p" || fail "$p not restored"; done
[ "$(stat -c %a "$R/d")" = 750 ] || fail "mode of d is $(stat -c %a "$R/d"), not 750"
[ "$(stat -c %a "$R/e/h")" = 640 ] || fail "mode of e/h is $(stat -c %a "$R/e/h")"
[ "$(stat -c %a "$R/later")" = "$(stat -c %a "$SRC/later")" ] || fail "a directory kept the restore's 0700"
# Moving the directory away and restoring again completes the tree.
mv "$R/f" "$WORK/f-moved"
expect_exit 0 "$STRATA" restore latest --target "$T"
cmp -s "$SRC/f" "$R/f" || fail "f not restored once the directory was moved"
expect_in "$WORK/out" ": 11 files,"

note "dangerous targets"
expect_exit 2 "$STRATA" restore latest --target /
expect_in "$WORK/err" "add --force"
mkdir -p "$SRC/restore-here"
expect_exit 0 "$STRATA" restore latest --target "$SRC/restore-here" --include "$SRC/e"
expect_in "$WORK/err" "strata: warning: the target $SRC/restore-here is inside $SRC"
rm -rf "$SRC/restore-here"

note "latest with an unreadable newest snapshot"
echo 7 >"$SRC/later/n7"
"$STRATA" -q backup "$SRC"
NEW=$(latest_id)
SNAPFILE="$STRATA_REPOSITORY/snapshots/$NEW"
[ -f "$SNAPFILE" ] || SNAPFILE=$(find "$STRATA_REPOSITORY/snapshots" -name "$NEW*" | head -1)
flip_byte "$SNAPFILE"
for cmd in "restore latest --target $WORK/t2" "ls latest" "dump latest $SRC/f" "diff $OLD latest"; do
  # shellcheck disable=SC2086
  expect_exit 13 "$STRATA" $cmd
  expect_in "$WORK/err" "cannot tell which snapshot is 'latest': snapshot ${NEW:0:8} is unreadable"
done
[ ! -e "$WORK/t2$SRC/f" ] || fail "restore latest restored an older snapshot"
expect_exit 13 "$STRATA" restore "${NEW:0:8}" --target "$WORK/t2"
expect_in "$WORK/err" "snapshot ${NEW:0:8} is unreadable"
expect_exit 0 "$STRATA" restore latest --latest-readable --target "$WORK/t3"
expect_in "$WORK/out" "restored snapshot ${OLD:0:8}"
expect_exit 0 "$STRATA" restore "$OLD" --target "$WORK/t4"
echo "ok"
