#!/usr/bin/env bash
# strata.yaml is read by every command (--config before or after the command, or
# STRATA_CONFIG): init, backup, snapshots, ls, restore, check, forget, prune and
# stats take the repository and secret from it; flags and environment win over it;
# a bad file is refused with file, line and key before anything is opened.
source "$(dirname "$0")/lib.sh"
unset STRATA_REPOSITORY
"$STRATA" init --generate-key-file "$KEYFILE" --repo "$WORK/first" -q   # just to make a key file
mkdir -p "$WORK/etc" "$WORK/src"
echo one >"$WORK/src/a"
cat >"$WORK/etc/strata.yaml" <<YAML
repository: $WORK/repo
key_file: ../key          # relative to the file's directory
YAML
C="$WORK/etc/strata.yaml"

note "every command takes the repository and key from the file"
expect_exit 0 "$STRATA" init --config "$C" -q
expect_exit 0 "$STRATA" --config "$C" backup -q "$WORK/src"
echo two >>"$WORK/src/a"
STRATA_CONFIG="$C" expect_exit 0 "$STRATA" backup -q "$WORK/src"
expect_exit 0 "$STRATA" snapshots --config "$C" --json
[ "$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$WORK/out")" = 2 ] || fail "two snapshots expected"
expect_exit 0 "$STRATA" ls latest --config "$C"
expect_exit 0 "$STRATA" restore latest --target "$WORK/r" --config "$C"
cmp -s "$WORK/src/a" "$WORK/r$WORK/src/a" || fail "restore through the config file"
expect_exit 0 "$STRATA" check --config "$C"
expect_exit 0 "$STRATA" stats --config "$C"
expect_exit 0 "$STRATA" forget --keep-last 1 --config "$C"
expect_exit 0 "$STRATA" prune --config "$C"
STRATA_CONFIG="$C" expect_exit 0 "$STRATA" snapshots --json
[ "$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$WORK/out")" = 1 ] || fail "forget through the config file"

note "flags and environment win over the file"
expect_exit 10 "$STRATA" snapshots --config "$C" --repo "$WORK/nowhere"
expect_in "$WORK/err" "no repository at $WORK/nowhere"
STRATA_REPOSITORY="$WORK/nowhere" expect_exit 10 "$STRATA" snapshots --config "$C"
"$STRATA" init --generate-key-file "$WORK/other-key" --repo "$WORK/other" -q
STRATA_KEY_FILE="$WORK/other-key" expect_exit 12 "$STRATA" snapshots --config "$C"

note "a bad file is refused before anything is opened"
printf 'repository: %s\nkey_file: ../key\nretention:\n  x: 1\nrepositry: /typo\n' "$WORK/repo" >"$WORK/etc/bad.yaml"
expect_exit 2 "$STRATA" snapshots --config "$WORK/etc/bad.yaml"
expect_in "$WORK/err" "strata: error: $WORK/etc/bad.yaml:5: repositry: unknown key (known here: repository,"
expect_exit 14 "$STRATA" snapshots --config "$WORK/etc/missing.yaml"
expect_in "$WORK/err" "cannot read config file $WORK/etc/missing.yaml"
expect_exit 14 "$STRATA" snapshots --config "$WORK/etc"
expect_in "$WORK/err" "cannot read config file $WORK/etc: Is a directory"
echo "ok"
