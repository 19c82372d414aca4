#!/usr/bin/env bash
# Replicas from strata.yaml: `strata repo status` reports what each replica
# lacks (snapshots and records, counts, bytes, lag) as text and JSON,
# `strata replicate` brings every replica in step (raw or re-encrypting), and an
# unreachable replica is reported without stopping the others.
# usage: bash test_replicas.sh /path/to/strata
source "$(dirname "$0")/lib.sh"
M="$WORK/main"; R1="$WORK/r1"; R2="$WORK/r2"
"$STRATA" init --repo "$M" --generate-key-file "$WORK/km" --quiet
"$STRATA" init --repo "$R1" --generate-key-file "$WORK/k1" --copy-master-from "$M" --from-key-file "$WORK/km" --quiet
"$STRATA" init --repo "$R2" --generate-key-file "$WORK/k2" --quiet
cat >"$WORK/strata.yaml" <<YAML
repository: $M
key_file: km
replicas:
  - name: dr
    repository: $R1
    key_file: k1
  - name: compliance
    repository: $R2
    key_file: $WORK/k2
YAML
export STRATA_CONFIG="$WORK/strata.yaml"
unset STRATA_REPOSITORY  # the file names the main repository (STRATA_REPOSITORY would override it)
status_field() {  # status_field REPLICA FIELD
  "$STRATA" --key-file "$WORK/km" --repo "$M" repo status --json |
    python3 -c 'import json,sys; d=json.load(sys.stdin); print([r for r in d["replicas"] if r["name"]==sys.argv[1]][0][sys.argv[2]])' "$1" "$2"
}

mkdir -p "$WORK/src"
python3 "$TESTS_DIR/make_tree.py" "$WORK/src/t" --profile bulk --size-mib 10 --seed 9 >/dev/null
"$STRATA" --repo "$M" --key-file "$WORK/km" backup "$WORK/src" --quiet
echo more >"$WORK/src/more"
"$STRATA" --repo "$M" --key-file "$WORK/km" backup "$WORK/src" --quiet

note "status before replication: both behind by 2 snapshots"
"$STRATA" repo status >"$WORK/out"
expect_in "$WORK/out" "dr  $R1: behind by 2 snapshot(s)"
expect_in "$WORK/out" "compliance  $R2: behind by 2 snapshot(s)"
[ "$(status_field dr missing_snapshots)" = 2 ] || fail "dr should miss 2 snapshots"
[ "$(status_field dr in_sync)" = False ] || fail "dr reported in sync"
[ "$(status_field dr missing_snapshot_bytes)" -gt 1000000 ] || fail "missing bytes not reported"

note "replicate: both in step, raw for the shared key, re-encrypted for the other"
"$STRATA" replicate >"$WORK/out"
expect_in "$WORK/out" "dr: 2 snapshot(s) copied"
expect_in "$WORK/out" "packs as stored"
expect_in "$WORK/out" "compliance: 2 snapshot(s) copied"
expect_in "$WORK/out" "re-encrypted"
"$STRATA" repo status >"$WORK/out"
expect_in "$WORK/out" "dr  $R1: in sync (2 snapshot(s))"
expect_in "$WORK/out" "compliance  $R2: in sync (2 snapshot(s))"
[ "$(status_field compliance snapshot_lag_seconds)" = 0 ] || fail "lag after replication"
"$STRATA" --repo "$R2" --key-file "$WORK/k2" restore latest --target "$WORK/rr" --quiet
python3 "$TESTS_DIR/compare_trees.py" "$WORK/src" "$WORK/rr$WORK/src" >/dev/null || fail "replica restore differs"

note "a new backup: lag appears, one more replicate clears it"
echo again >"$WORK/src/again"
"$STRATA" --repo "$M" --key-file "$WORK/km" backup "$WORK/src" --quiet
sleep 1.2
[ "$(status_field dr missing_snapshots)" = 1 ] || fail "dr should miss the new snapshot"
[ "$(status_field dr snapshot_lag_seconds)" -ge 1 ] || fail "no lag reported for the new snapshot"
"$STRATA" replicate --quiet
[ "$(status_field dr in_sync)" = True ] || fail "dr not in sync after replicate"

note "an unreachable replica is reported, the others still replicate"
mv "$R2" "$R2.away"
echo last >"$WORK/src/last"
"$STRATA" --repo "$M" --key-file "$WORK/km" backup "$WORK/src" --quiet
expect_exit 10 "$STRATA" replicate
expect_in "$WORK/err" "replica compliance"
expect_in "$WORK/out" "dr: 1 snapshot(s) copied"
expect_exit 14 "$STRATA" repo status
expect_in "$WORK/out" "UNREACHABLE"
mv "$R2.away" "$R2"
"$STRATA" replicate --quiet
"$STRATA" repo status >"$WORK/out"
expect_in "$WORK/out" "compliance  $R2: in sync (4 snapshot(s))"

note "configuration errors name the file and the key"
printf 'replicas:\n  - name: x\n' >"$WORK/bad.yaml"
expect_exit 2 "$STRATA" repo status --config "$WORK/bad.yaml"
expect_in "$WORK/err" "bad.yaml: replicas[0]: needs a repository"
echo "PASS: $(basename "$0")" >&2
