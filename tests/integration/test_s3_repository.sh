#!/usr/bin/env bash
# The repository engine on S3: a real S3-compatible server that checks SigV4
# signatures (Ceph radosgw, tests/servers/s3.sh) on loopback. Runs the backend
# contract suite against it, the round-trip and crash-safety suites with the
# repository in a bucket, and the S3-specific paths: bucket creation on init,
# storage classes per object kind, corrupt and missing objects, wrong
# credentials, two clients at once, the metadata cache, and the server gone.
# usage: bash test_s3_repository.sh /path/to/strata
source "$(dirname "$0")/lib.sh"
source "$TESTS_DIR/../servers/s3.sh"
st() { timeout -k 10 "${STRATA_CMD_TIMEOUT:-600}" "$STRATA" --key-file "$KEYFILE" "$@"; }
UNIT_TESTS="$(dirname "$STRATA")/strata_storage_tests"

s3_start_radosgw
export AWS_ACCESS_KEY_ID="$S3_ACCESS_KEY" AWS_SECRET_ACCESS_KEY="$S3_SECRET_KEY" AWS_REGION="$S3_REGION"
export STRATA_CACHE_DIR="$WORK/cache"
BUCKET=strata-it
export STRATA_REPOSITORY="s3:$S3_ENDPOINT/$BUCKET/main"

note "backend contract suite against radosgw"
STRATA_TEST_S3_ENDPOINT="$S3_ENDPOINT" STRATA_TEST_S3_BUCKET=strata-contract \
  "$UNIT_TESTS" --gtest_filter='BackendContract/S3.*' --gtest_brief=1 >"$WORK/contract.out" 2>&1 ||
  { cat "$WORK/contract.out" >&2; fail "the backend contract fails on S3"; }
grep -q "PASSED" "$WORK/contract.out" && ! grep -q "SKIPPED" "$WORK/contract.out" ||
  { cat "$WORK/contract.out" >&2; fail "the S3 contract tests did not all run"; }

note "init creates the bucket, refuses an existing repository"
init_repo
"$STRATA" init --key-file "$KEYFILE" >"$WORK/out" 2>"$WORK/err" && fail "second init succeeded" || rc=$?
[ "$rc" = 16 ] || fail "second init exited $rc, expected 16"
expect_in "$WORK/err" "a repository already exists at s3:$S3_ENDPOINT/$BUCKET/main"
rm -f "$WORK/k2"
"$STRATA" init --repo "s3:$S3_ENDPOINT/strata-fresh/r" --generate-key-file "$WORK/k2" >"$WORK/out"
expect_in "$WORK/out" "created bucket for s3:$S3_ENDPOINT/strata-fresh/r"
s3_list_keys strata-fresh r/ | grep -qx "r/config" || fail "no config object in the new bucket"

note "backup, restore, storage classes per object kind"
mkdir -p "$WORK/src"
python3 "$TESTS_DIR/make_tree.py" "$WORK/src/tree" --profile bulk --size-mib 40 --seed 7 >/dev/null
STRATA_S3_STORAGE_CLASS=STANDARD_IA st backup "$WORK/src" --quiet
st restore latest --target "$WORK/r1" --quiet
python3 "$TESTS_DIR/compare_trees.py" "$WORK/src" "$WORK/r1$WORK/src" || fail "restore from S3 differs"
PACK=$(s3_list_keys "$BUCKET" main/data/ | head -1)
[ -n "$PACK" ] || fail "no packs under main/data/"
[ "$(s3_storage_class "$BUCKET" "$PACK")" = STANDARD_IA ] || fail "pack $PACK is not STANDARD_IA"
SNAPKEY=$(s3_list_keys "$BUCKET" main/snapshots/ | head -1)
[ "$(s3_storage_class "$BUCKET" "$SNAPKEY")" = STANDARD ] || fail "snapshot object is not in STANDARD"
[ "$(s3_storage_class "$BUCKET" main/config)" = STANDARD ] || fail "config is not in STANDARD"
st check --read-data >/dev/null

note "the metadata cache is only a cache"
[ -n "$(find "$WORK/cache" -path '*/snapshots/*' -type f)" ] || fail "nothing cached for the snapshots"
find "$WORK/cache" -type f | while read -r f; do printf 'X' | dd of="$f" bs=1 seek=40 conv=notrunc status=none; done
st snapshots >"$WORK/snaps1"
st ls latest >/dev/null
rm -rf "$WORK/cache"
st snapshots >"$WORK/snaps2"
cmp -s "$WORK/snaps1" "$WORK/snaps2" || fail "listing differs with a damaged or missing cache"
echo changed >>"$(find "$WORK/src/tree" -type f | sort | head -1)"
echo new >"$WORK/src/new-file"
st backup "$WORK/src" --quiet
st --no-cache restore latest --target "$WORK/r2" --quiet
python3 "$TESTS_DIR/compare_trees.py" "$WORK/src" "$WORK/r2$WORK/src" || fail "second restore differs"

note "two clients back up into the bucket at once"
mkdir -p "$WORK/a" "$WORK/b"
python3 "$TESTS_DIR/make_tree.py" "$WORK/a/t" --profile bulk --size-mib 20 --seed 11 >/dev/null
python3 "$TESTS_DIR/make_tree.py" "$WORK/b/t" --profile bulk --size-mib 20 --seed 12 >/dev/null
st backup "$WORK/a" --quiet --host client-a & PA=$!
STRATA_CACHE_DIR="$WORK/cache-b" st backup "$WORK/b" --quiet --host client-b & PB=$!
wait $PA || fail "client a failed"; wait $PB || fail "client b failed"
st check --read-data >/dev/null
for c in a b; do
  id=$(st snapshots --json | python3 -c 'import json,sys; print([s["id"] for s in json.load(sys.stdin) if s["host"] == sys.argv[1]][-1])' "client-$c")
  st restore "$id" --target "$WORK/rc-$c" --quiet
  python3 "$TESTS_DIR/compare_trees.py" "$WORK/$c" "$WORK/rc-$c$WORK/$c" || fail "client $c restore differs"
done

note "forget and prune on S3"
st forget --keep-last 2 --prune --quiet
st check --read-data >/dev/null

note "a flipped byte in a pack is found by check and refused by restore"
PACK=$(s3_list_keys "$BUCKET" main/data/ | head -1)
s3_get_object "$BUCKET" "$PACK" "$WORK/pack"
cp "$WORK/pack" "$WORK/pack.orig"
python3 - "$WORK/pack" <<'PY'
import sys
p = sys.argv[1]; b = bytearray(open(p, 'rb').read()); b[len(b) // 3] ^= 0x55; open(p, 'wb').write(b)
PY
s3_put_object "$BUCKET" "$PACK" "$WORK/pack"
expect_exit 13 st check --read-data
expect_in "$WORK/out" "$(basename "$PACK" | cut -c1-8)"
s3_put_object "$BUCKET" "$PACK" "$WORK/pack.orig"
st check --read-data >/dev/null

note "check without --read-data still reads every tree from the bucket (whole tree packs, no cache)"
st ls latest >/dev/null   # fills the metadata cache, which check must not trust
for p in $(s3_list_keys "$BUCKET" main/data/); do
  s3_get_object "$BUCKET" "$p" "$WORK/p.orig"
  python3 - "$WORK/p.orig" "$WORK/p.bad" <<'PY'
import sys
b = bytearray(open(sys.argv[1], 'rb').read()); b[12] ^= 0x55; open(sys.argv[2], 'wb').write(b)
PY
  s3_put_object "$BUCKET" "$p" "$WORK/p.bad"
  mv "$WORK/p.orig" "$WORK/orig-$(basename "$p")"
done
expect_exit 13 st check
expect_in "$WORK/out" "tree"
for p in $(s3_list_keys "$BUCKET" main/data/); do s3_put_object "$BUCKET" "$p" "$WORK/orig-$(basename "$p")"; done
rm -f "$WORK"/orig-*
st check >/dev/null
[ -z "$(find "$STRATA_CACHE_DIR" -maxdepth 1 -name 'check-*')" ] || fail "check left its scratch directory behind"

note "a missing pack is reported, nothing else is touched"
s3_delete_object "$BUCKET" "$PACK"
expect_exit 13 st check
expect_in "$WORK/out" "missing"
s3_put_object "$BUCKET" "$PACK" "$WORK/pack.orig"
st check >/dev/null

note "wrong credentials and a wrong key give their own exit codes"
AWS_SECRET_ACCESS_KEY=wrong-secret expect_exit 14 st snapshots
expect_in "$WORK/err" "SignatureDoesNotMatch"
expect_in "$WORK/err" "secret key does not match"
AWS_ACCESS_KEY_ID=NOSUCHKEY expect_exit 14 st snapshots
expect_in "$WORK/err" "InvalidAccessKeyId"
expect_exit 12 "$STRATA" --key-file "$WORK/k2" snapshots
expect_exit 10 st --repo "s3:$S3_ENDPOINT/$BUCKET/nothing-here" snapshots
expect_in "$WORK/err" "no repository at s3:$S3_ENDPOINT/$BUCKET/nothing-here"

note "copy between a local repository and the bucket, both ways"
"$STRATA" init --repo "$WORK/local" --generate-key-file "$WORK/kl" --copy-master-from "$STRATA_REPOSITORY" \
  --from-key-file "$KEYFILE" --quiet
"$STRATA" --key-file "$WORK/kl" copy --from "$STRATA_REPOSITORY" --from-key-file "$KEYFILE" --to "$WORK/local" --all >"$WORK/out"
expect_in "$WORK/out" "copied as stored"
"$STRATA" --repo "$WORK/local" --key-file "$WORK/kl" check --read-data >/dev/null
"$STRATA" init --repo "s3:$S3_ENDPOINT/strata-dr/copy" --generate-key-file "$WORK/kdr" --quiet
"$STRATA" --key-file "$WORK/kdr" copy --from "$WORK/local" --from-key-file "$WORK/kl" --to "s3:$S3_ENDPOINT/strata-dr/copy" --all >"$WORK/out"
expect_in "$WORK/out" "re-encrypted"
"$STRATA" --repo "s3:$S3_ENDPOINT/strata-dr/copy" --key-file "$WORK/kdr" check --read-data >/dev/null
id=$("$STRATA" --repo "s3:$S3_ENDPOINT/strata-dr/copy" --key-file "$WORK/kdr" snapshots --json |
  python3 -c 'import json,sys; print([s["id"] for s in json.load(sys.stdin) if s["paths"] == [sys.argv[1]]][-1])' "$WORK/src")
"$STRATA" --repo "s3:$S3_ENDPOINT/strata-dr/copy" --key-file "$WORK/kdr" restore "$id" --target "$WORK/rdr" --quiet
python3 "$TESTS_DIR/compare_trees.py" "$WORK/src" "$WORK/rdr$WORK/src" || fail "restore of the copy in strata-dr differs"

note "engine suites with the repository in the bucket"
STRATA_TEST_REPOSITORY="s3:$S3_ENDPOINT/$BUCKET/roundtrip" bash "$TESTS_DIR/test_roundtrip.sh" "$STRATA" \
  >"$WORK/roundtrip.log" 2>&1 || { tail -40 "$WORK/roundtrip.log" >&2; fail "round trip on S3"; }
STRATA_TEST_REPOSITORY="s3:$S3_ENDPOINT/$BUCKET/crash" TRIALS=${S3_CRASH_TRIALS:-8} CRASH_TREE_MIB=60 \
  bash "$TESTS_DIR/test_crash.sh" "$STRATA" >"$WORK/crash.log" 2>&1 ||
  { tail -40 "$WORK/crash.log" >&2; fail "crash safety on S3"; }

note "the server goes away: a clear error, then everything works again"
kill -STOP "$S3_RGW_PID"
STRATA_S3_ATTEMPTS=2 STRATA_S3_STALL_TIMEOUT=2 expect_exit 14 st snapshots
kill -CONT "$S3_RGW_PID"
kill -9 "$S3_RGW_PID"; wait "$S3_RGW_PID" 2>/dev/null || true
STRATA_S3_ATTEMPTS=3 expect_exit 14 st backup "$WORK/src"
expect_in "$WORK/err" "cannot reach the server"
expect_in "$WORK/err" "gave up after 3 attempts"
echo "PASS: $(basename "$0")" >&2
