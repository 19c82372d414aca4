#!/usr/bin/env bash
# Bad input gets one clear message and the documented exit code (docs/cli.md,
# src/common/error.h): repository missing (10), wrong key file / passphrase (12),
# unreadable password or key file, e.g. a directory (14), corrupt config object (13),
# unknown snapshot or path (15), unreadable source file (3, snapshot still made),
# missing source path (15), bad usage (2), disk full during backup (14; the repository
# stays consistent and earlier snapshots restorable).
source "$(dirname "$0")/lib.sh"

W="$(readlink -f "$WORK")"

# Checks that do not change state run through `soft`: a failure is reported at once
# but the script goes on, so one broken feature does not hide the others; the script
# still fails at the end (finish).
DEFERRED=()
soft() { ( "$@" ) || { DEFERRED+=("$*"); echo "FAIL (continuing): $*" >&2; }; }
finish() {
  if [ "${#DEFERRED[@]}" -gt 0 ]; then
    printf 'FAILED CHECK: %s\n' "${DEFERRED[@]}" >&2
    fail "$1: ${#DEFERRED[@]} check(s) failed"
  fi
  echo "PASS $1"
}

expect_fail() {
  local rc=0
  "$@" >"$WORK/out" 2>"$WORK/err" || rc=$?
  if [ "$rc" = 0 ] || [ "$rc" -ge 124 ]; then
    echo "command: $*" >&2; echo "stdout:" >&2; head -c 3000 "$WORK/out" >&2
    echo "stderr:" >&2; head -c 3000 "$WORK/err" >&2
    fail "expected an orderly failure (exit 1..123), got $rc"
  fi
}

# one_error_line TEXT : stderr of the last command is exactly "strata: error: TEXT"
one_error_line() {
  [ "$(cat "$WORK/err")" = "strata: error: $1" ] || {
    echo "stderr:" >&2; head -c 2000 "$WORK/err" >&2
    fail "expected the one line 'strata: error: $1'"
  }
}


nsnaps() { "$@" snapshots --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'; }

# same_tree A B : regular files under A equal those under B (relative paths, bytes)
same_tree() { diff -r "$1" "$2" >"$W/treediff" 2>&1 || { cat "$W/treediff" >&2; fail "restored tree $2 differs from $1"; }; }

expect_exit 0 init_repo
SRC="$W/src"
mkfiles "$SRC" a.bin:10000 sub/b.bin:20000
expect_exit 0 st backup --quiet "$SRC"

# ---------------------------------------------------------------------------------
note "repository missing -> 10, naming the location"
expect_exit 10 st --repo "$W/nope" snapshots
expect_in "$WORK/err" "$W/nope"
expect_exit 10 st --repo "$W/nope" backup "$SRC"
expect_in "$WORK/err" "$W/nope"
[ ! -e "$W/nope" ] || fail "backup into a missing repository created $W/nope"
STRATA_REPOSITORY="$W/nope2" expect_exit 10 st check
expect_in "$WORK/err" "$W/nope2"
mkdir "$W/emptydir"
expect_exit 10 st --repo "$W/emptydir" snapshots
expect_in "$WORK/err" "$W/emptydir"
# the local: form names the same repository
expect_exit 0 st --repo "local:$STRATA_REPOSITORY" snapshots --json

# ---------------------------------------------------------------------------------
note "wrong key file / wrong passphrase -> 12 'no key slot matches'"
expect_exit 0 "$STRATA" --repo "$W/other-repo" init --generate-key-file "$W/other-key" --quiet
expect_exit 12 "$STRATA" --key-file "$W/other-key" snapshots
expect_in "$WORK/err" "no key slot matches"
STRATA_KEY_FILE="$W/other-key" expect_exit 12 "$STRATA" snapshots
expect_in "$WORK/err" "no key slot matches"
printf 'right passphrase\n' >"$W/pw"
printf 'wrong passphrase\n' >"$W/pw-wrong"
expect_exit 0 "$STRATA" --repo "$W/pw-repo" init --password-file "$W/pw" --kdf-memory 8192 --kdf-time 1 --quiet
expect_exit 12 "$STRATA" --repo "$W/pw-repo" --password-file "$W/pw-wrong" snapshots
expect_in "$WORK/err" "no key slot matches"
STRATA_PASSWORD="wrong passphrase" expect_exit 12 "$STRATA" --repo "$W/pw-repo" snapshots
expect_in "$WORK/err" "no key slot matches"
STRATA_PASSWORD_FILE="$W/pw-wrong" expect_exit 12 "$STRATA" --repo "$W/pw-repo" snapshots
expect_in "$WORK/err" "no key slot matches"
expect_exit 12 "$STRATA" --repo "$W/pw-repo" --key-file "$KEYFILE" snapshots
expect_in "$WORK/err" "no key slot matches"
expect_exit 0 "$STRATA" --repo "$W/pw-repo" --password-file "$W/pw" snapshots --json
STRATA_PASSWORD="right passphrase" expect_exit 0 "$STRATA" --repo "$W/pw-repo" snapshots --json
STRATA_PASSWORD_FILE="$W/pw" expect_exit 0 "$STRATA" --repo "$W/pw-repo" snapshots --json
# a key file takes precedence over a passphrase; the command line wins over the environment
expect_exit 12 "$STRATA" --repo "$W/pw-repo" --password-file "$W/pw" --key-file "$KEYFILE" snapshots
STRATA_REPOSITORY="$W/nope" STRATA_KEY_FILE="$W/other-key" expect_exit 0 st --repo "$STRATA_REPOSITORY" snapshots --json
# no secret at all: usage error
expect_exit 2 "$STRATA" --repo "$W/pw-repo" snapshots
# a key file that is not a key file (2, usage) / cannot be read (14): naming it
echo "hello" >"$W/not-a-key"
expect_exit 2 "$STRATA" --key-file "$W/not-a-key" snapshots
soft expect_in "$WORK/err" "$W/not-a-key"
expect_exit 14 "$STRATA" --key-file "$W/missing-key" snapshots
expect_in "$WORK/err" "$W/missing-key"
# a password or key file that cannot be read (a directory, a missing file): 14, one
# line saying why (a directory once read as an empty passphrase)
mkdir "$W/pwdir"
expect_exit 14 "$STRATA" --repo "$W/pw-repo" --password-file "$W/pwdir" snapshots
soft one_error_line "cannot read password file $W/pwdir: Is a directory"
STRATA_PASSWORD_FILE="$W/pwdir" expect_exit 14 "$STRATA" --repo "$W/pw-repo" snapshots
soft one_error_line "cannot read password file $W/pwdir: Is a directory"
expect_exit 14 "$STRATA" --repo "$W/pw-repo" --password-file "$W/missing-pw" snapshots
soft one_error_line "cannot read password file $W/missing-pw: No such file or directory"
expect_exit 14 "$STRATA" --key-file "$W/pwdir" snapshots
soft one_error_line "cannot read key file $W/pwdir: Is a directory"

# ---------------------------------------------------------------------------------
note "corrupt repository config -> 13, one line naming the object"
expect_exit 0 "$STRATA" --repo "$W/cfg-repo" init --generate-key-file "$W/cfg-key" --quiet
cp "$W/cfg-repo/config" "$W/cfg-good"
cfg_case() {  # cfg_case CONTENT EXPECTED-REASON
  printf '%s' "$1" >"$W/cfg-repo/config"
  expect_exit 13 "$STRATA" --repo "$W/cfg-repo" --key-file "$W/cfg-key" snapshots
  one_error_line "repository config $W/cfg-repo/config is corrupt: $2"
}
soft cfg_case "$(head -c 60 "$W/cfg-good")" "not valid JSON (syntax error at byte 61)"
soft cfg_case "garbage" "not valid JSON (syntax error at byte 1)"
soft cfg_case '[1, 2]' "not a JSON object"
soft cfg_case '{"format": "strata-repository", "version": 2}' "a required field is missing"
soft cfg_case '{"format": "strata-repository", "version": "two"}' "a field has the wrong type"
cp "$W/cfg-good" "$W/cfg-repo/config"
expect_exit 0 "$STRATA" --repo "$W/cfg-repo" --key-file "$W/cfg-key" snapshots --json

# ---------------------------------------------------------------------------------
note "unknown snapshot -> 15 naming it"
T="$W/t-unknown"
expect_exit 15 st ls deadbeef
expect_in "$WORK/err" "deadbeef"
expect_exit 15 st dump deadbeef "$SRC/a.bin"
expect_in "$WORK/err" "deadbeef"
expect_exit 15 st restore deadbeef --target "$T"
expect_in "$WORK/err" "deadbeef"
[ -z "$(ls -A "$T" 2>/dev/null)" ] || fail "restore of an unknown snapshot wrote into $T"
expect_exit 15 st diff deadbeef latest
expect_in "$WORK/err" "deadbeef"
FULL=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
expect_exit 15 st ls "$FULL"
expect_in "$WORK/err" "$FULL"
expect_exit 15 st forget deadbeef
expect_in "$WORK/err" "deadbeef"
[ "$(nsnaps st)" = 1 ] || fail "forget of an unknown snapshot changed the snapshot list"
expect_exit 15 "$STRATA" --repo "$W/other-repo" --key-file "$W/other-key" ls latest   # no snapshot yet
expect_in "$WORK/err" "latest"

note "path not in the snapshot -> 15 naming it"
expect_exit 15 st ls latest "$SRC/not-there"
expect_in "$WORK/err" "$SRC/not-there"
expect_exit 15 st dump latest "$SRC/not-there"
expect_in "$WORK/err" "$SRC/not-there"
expect_exit 15 st restore latest --target "$T" --include "$SRC/not-there"
soft expect_in "$WORK/err" "$SRC/not-there"
expect_exit 2 st dump latest "$SRC/sub"     # a directory has no content to dump

# ---------------------------------------------------------------------------------
note "bad usage -> 2"
expect_exit 2 "$STRATA" backup --no-such-flag "$SRC"
expect_exit 2 "$STRATA" no-such-command
expect_exit 2 st restore latest                       # --target missing
expect_exit 2 st forget --keep-last notanumber
expect_exit 2 st check --read-data-subset 150%
[ "$(nsnaps st)" = 1 ] || fail "a usage error changed the repository"

# ---------------------------------------------------------------------------------
note "source path that does not exist -> 15 naming it, no snapshot"
expect_exit 15 st backup "$W/does-not-exist"
expect_in "$WORK/err" "$W/does-not-exist"
expect_exit 15 st backup "$SRC" "$W/does-not-exist"
expect_in "$WORK/err" "$W/does-not-exist"
[ "$(nsnaps st)" = 1 ] || fail "a backup with a missing source path still made a snapshot"

# ---------------------------------------------------------------------------------
note "unreadable source file -> snapshot made, exit 3, file named on stderr"
U="$W/usrc"
mkfiles "$U" ok1.bin:30000 dir/ok2.bin:40000 secret.bin:5000 locked/inner.bin:1000
cp -a "$U" "$W/usrc-orig"
UR="$W/urepo"; UK="$W/ukey"
expect_exit 0 "$STRATA" --repo "$UR" init --generate-key-file "$UK" --quiet
if [ "$(id -u)" = 0 ]; then
  # root reads mode-0000 files: run the backup as nobody, which can use the repository
  # and key but not the root-owned mode-0000 file and directory.
  chmod 711 "$WORK"
  BIN="$W/strata-bin"; cp "$STRATA" "$BIN"; chmod 755 "$BIN"
  mkdir "$W/nbhome" "$W/urestore"
  chown -R nobody "$UR" "$UK" "$W/nbhome" "$W/urestore"
  chmod -R go-rwx "$UR"; chmod 600 "$UK"
  chmod -R a+rX "$U"
  ustrata() { runuser -u nobody -- env HOME="$W/nbhome" "$BIN" --repo "$UR" --key-file "$UK" "$@"; }
  runuser -u nobody -- cat "$U/ok1.bin" >/dev/null || fail "setup: nobody cannot read $U/ok1.bin"
else
  ustrata() { "$STRATA" --repo "$UR" --key-file "$UK" "$@"; }
fi
chmod 000 "$U/secret.bin" "$U/locked"
expect_exit 3 ustrata backup --json "$U"
cp "$WORK/out" "$W/uout"; cp "$WORK/err" "$W/uerr"
expect_in "$W/uerr" "$U/secret.bin"
expect_in "$W/uerr" "$U/locked"
python3 - "$W/uout" <<'EOF'
import json, sys
s = [o for o in map(json.loads, filter(str.strip, open(sys.argv[1]))) if o.get("message_type") == "summary"]
if len(s) != 1:
    sys.exit("partial backup: expected one summary line")
errs = json.dumps(s[0].get("errors"))
if "secret.bin" not in errs:
    sys.exit(f"partial backup: summary errors do not name secret.bin: {errs}")
EOF
chmod 755 "$U/locked"; chmod 644 "$U/secret.bin"
[ "$(nsnaps ustrata)" = 1 ] || fail "partial backup made no snapshot"
expect_exit 0 ustrata restore latest --target "$W/urestore"
R="$W/urestore$U"
cmp "$R/ok1.bin" "$U/ok1.bin" || fail "readable file ok1.bin not restored correctly"
cmp "$R/dir/ok2.bin" "$U/dir/ok2.bin" || fail "readable file dir/ok2.bin not restored correctly"
if [ -e "$R/secret.bin" ]; then
  cmp -s "$R/secret.bin" "$W/usrc-orig/secret.bin" \
    || fail "unreadable secret.bin was stored with wrong content (size $(stat -c %s "$R/secret.bin")) - a partial write passed off as the file"
fi
if [ -e "$R/locked/inner.bin" ]; then
  cmp -s "$R/locked/inner.bin" "$W/usrc-orig/locked/inner.bin" || fail "locked/inner.bin restored with wrong content"
fi
expect_exit 0 ustrata check

# ---------------------------------------------------------------------------------
note "disk full during backup -> 14; repository stays consistent"
MNT="$W/full"
mkdir -p "$MNT"
trap 'umount "$MNT" 2>/dev/null || umount -l "$MNT" 2>/dev/null || true; cleanup' EXIT
if [ "$(id -u)" = 0 ] && mount -t tmpfs -o size=8m tmpfs "$MNT" 2>/dev/null; then
  FR="$MNT/repo"; FK="$W/fkey"
  fs() { "$STRATA" --repo "$FR" --key-file "$FK" "$@"; }
  expect_exit 0 "$STRATA" --repo "$FR" init --generate-key-file "$FK" --quiet
  mkfiles "$W/fsmall" s1.bin:100000 s2.bin:50000
  expect_exit 0 fs backup --quiet "$W/fsmall"
  SMALL=$(fs snapshots --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')
  mkdir -p "$W/fbig" && head -c $((30 * 1024 * 1024)) /dev/urandom >"$W/fbig/big.bin"
  expect_exit 14 fs backup "$W/fbig"
  grep -Eqi 'disk full|no space left' "$WORK/err" || { cat "$WORK/err" >&2; fail "disk-full error does not say 'disk full' / 'No space left'"; }
  grep -q "$FR" "$WORK/err" || echo "NOTE: disk-full message does not name the repository location" >&2
  expect_exit 0 fs check
  [ "$(nsnaps fs)" = 1 ] || fail "failed backup left a snapshot behind"
  expect_exit 0 fs restore "$SMALL" --target "$W/frestore"
  same_tree "$W/fsmall" "$W/frestore$W/fsmall"
  expect_exit 0 fs check --read-data
  # the garbage of the failed backup is removable, after which backups work again
  expect_exit 0 fs prune
  mkfiles "$W/fsmall2" t.bin:1000000
  expect_exit 0 fs backup --quiet "$W/fsmall2"
  expect_exit 0 fs check
  # disk full on the restore side: exit 14 with the same clear message
  expect_exit 0 "$STRATA" --repo "$W/bigrepo" init --generate-key-file "$W/bigkey" --quiet
  expect_exit 0 "$STRATA" --repo "$W/bigrepo" --key-file "$W/bigkey" backup --quiet "$W/fbig"
  expect_exit 14 "$STRATA" --repo "$W/bigrepo" --key-file "$W/bigkey" restore latest --target "$MNT/restore"
  grep -Eqi 'disk full|no space left' "$WORK/err" || { cat "$WORK/err" >&2; fail "restore disk-full error does not say 'disk full' / 'No space left'"; }
  df -k "$MNT" >&2
else
  echo "SKIP tmpfs (cannot mount a tmpfs here; disk-full case not run)"
fi

finish test_bad_input
