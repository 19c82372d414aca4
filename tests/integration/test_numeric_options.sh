#!/usr/bin/env bash
# Every number a user can type is validated where it is parsed: each numeric option of
# every command (found from --help, tests/integration/numeric_sweep.py), STRATA_THREADS
# and the numeric strata.yaml keys get -1, 0, huge and non-numeric values; each must
# exit 2 with one line naming the setting and its range, and leave the repository
# byte-identical. The retention case that once deleted every snapshot is checked by name.
source "$(dirname "$0")/lib.sh"
export STRATA_KEY_FILE="$KEYFILE"
init_repo
mkdir -p "$WORK/src"
for i in 1 2 3; do echo "$i" >>"$WORK/src/f"; "$STRATA" -q backup "$WORK/src"; done
listing() { (cd "$STRATA_REPOSITORY" && find . -type f -printf '%p %s %T@\n' | sort && find . -type f -exec sha256sum {} + | sort); }
listing >"$WORK/before"

note "forget with negative or zero retention counts"
for args in "--keep-last -1" "--keep-last=-5" "--keep-daily -1" "--keep-last 0" "--keep-weekly 0" \
            "--keep-within -1d" "--keep-within 0" "--keep-hourly 1e3"; do
  # shellcheck disable=SC2086
  expect_exit 2 "$STRATA" forget $args
  expect_in "$WORK/err" "strata: error: --keep-"
  expect_in "$WORK/err" "must be"
done
[ "$("$STRATA" snapshots --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" = 3 ] ||
  fail "a refused forget removed snapshots"

note "every numeric option of every command"
python3 "$TESTS_DIR/numeric_sweep.py" "$STRATA" "$STRATA_REPOSITORY"

note "STRATA_THREADS"
for v in -1 0 100000 abc 99999999999999999999; do
  STRATA_THREADS=$v expect_exit 2 "$STRATA" snapshots
  expect_in "$WORK/err" "strata: error: STRATA_THREADS: must be a whole number from 1 to 256, got '$v'"
done
STRATA_THREADS=2 expect_exit 0 "$STRATA" snapshots

note "numeric strata.yaml keys"
yaml_case() {  # KEY-PATH YAML-FRAGMENT
  local key=$1
  printf '%s\n' "repository: $STRATA_REPOSITORY" "key_file: $KEYFILE" "$2" >"$WORK/strata.yaml"
  expect_exit 2 "$STRATA" pg info --stanza main --config "$WORK/strata.yaml"
  grep -qE "^strata: error: $WORK/strata.yaml:[0-9]+: ${key//[/\\[}: must be" "$WORK/err" ||
    fail "no 'FILE:LINE: $key: must be' line: $(cat "$WORK/err")"
}
for v in -1 0 99999999999 abc 1.5; do
  for k in port wal_quorum push_parallel get_ahead retention_full retention_diff wal_compression_level archive_timeout; do
    yaml_case "postgres.stanzas.main.$k" "$(printf 'postgres:\n  stanzas:\n    main:\n      pgdata: /nonexistent\n      %s: %s' "$k" "$v")"
  done
  yaml_case "postgres.stanzas.main.standby.port" \
    "$(printf 'postgres:\n  stanzas:\n    main:\n      pgdata: /x\n      standby:\n        port: %s' "$v")"
done
for v in -1d 0 abc 999y; do
  yaml_case "postgres.stanzas.main.pitr_window" "$(printf 'postgres:\n  stanzas:\n    main:\n      pgdata: /x\n      pitr_window: %s' "$v")"
  yaml_case "lifecycle.warm_after" "$(printf 'lifecycle:\n  warm_after: %s' "$v")"
done
for v in -1 abc .nan 1e99; do
  yaml_case "lifecycle.prices.STANDARD.storage_per_gib_month" \
    "$(printf 'lifecycle:\n  prices:\n    STANDARD:\n      storage_per_gib_month: %s' "$v")"
done

listing >"$WORK/after"
diff "$WORK/before" "$WORK/after" >/dev/null || fail "the repository changed: $(diff "$WORK/before" "$WORK/after" | head)"
[ -z "$(ls -A "$STRATA_REPOSITORY/locks")" ] || fail "a lock was left behind"
"$STRATA" check >/dev/null || fail "check after the sweep"
echo "ok"
