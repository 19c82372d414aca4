#!/usr/bin/env bash
# The S3 backend under a misbehaving server: tests/servers/s3_fault_proxy.py sits
# between strata and a real radosgw and throttles (503 SlowDown), slows down,
# hangs, cuts uploads and downloads mid-body, hides objects and refuses writes
# (403 AccessDenied: a read-only bucket, read without a lock). Each fault ends
# either in a successful retry or in a clear error with exit 14 — and never in a
# snapshot that references data that is not in the bucket.
# usage: bash test_s3_faults.sh /path/to/strata
source "$(dirname "$0")/lib.sh"
source "$TESTS_DIR/../servers/s3.sh"
st() { timeout -k 10 "${STRATA_CMD_TIMEOUT:-600}" "$STRATA" --key-file "$KEYFILE" "$@"; }

s3_start_radosgw
export AWS_ACCESS_KEY_ID="$S3_ACCESS_KEY" AWS_SECRET_ACCESS_KEY="$S3_SECRET_KEY" AWS_REGION="$S3_REGION"
export STRATA_CACHE_DIR="$WORK/cache" STRATA_S3_RETRY_BASE_MS=50 STRATA_S3_RETRY_MAX_MS=400

CONTROL="$WORK/faults.json"; STATS="$WORK/proxy-stats.json"
python3 "$TESTS_DIR/../servers/s3_fault_proxy.py" --listen-port 0 --port-file "$WORK/proxy.port" \
  --upstream "$S3_ENDPOINT" --control-file "$CONTROL" --stats-file "$STATS" 2>"$WORK/proxy.log" &
PROXY_PID=$!; BG_PIDS+=("$PROXY_PID")
for _ in $(seq 100); do [ -s "$WORK/proxy.port" ] && break; sleep 0.1; done
[ -s "$WORK/proxy.port" ] || fail "the fault proxy did not start"
export STRATA_REPOSITORY="s3:http://127.0.0.1:$(cat "$WORK/proxy.port")/faults/repo"

faults() { printf '%s\n' "$1" >"$CONTROL.tmp" && mv "$CONTROL.tmp" "$CONTROL"; }
faults_applied() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["faults"].get(sys.argv[2], 0))' "$STATS" "$1"; }
snapshot_count() { st --no-cache snapshots --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'; }
restore_equal() {  # restore_equal SNAP: restores and compares with the source
  rm -rf "$WORK/r"
  st restore "$1" --target "$WORK/r" --quiet
  python3 "$TESTS_DIR/compare_trees.py" "$WORK/src" "$WORK/r$WORK/src" >/dev/null || fail "restore of $1 differs"
}
change_source() { head -c 3000000 /dev/urandom >"$WORK/src/changed-$1.bin"; }

faults '[]'
init_repo
mkdir -p "$WORK/src"
python3 "$TESTS_DIR/make_tree.py" "$WORK/src/tree" --profile bulk --size-mib 30 --seed 3 >/dev/null
st backup "$WORK/src" --quiet

note "a 503 SlowDown storm on uploads: retried, the backup completes"
change_source 1
faults '[{"kind":"status","status":503,"methods":["PUT"],"path_regex":"/data/","count":4}]'
st backup "$WORK/src" --quiet 2>"$WORK/err"
expect_in "$WORK/err" "HTTP 503 SlowDown; retry"
[ "$(faults_applied status)" -ge 4 ] || fail "the proxy did not inject the 503s"
faults '[]'
st check --read-data >/dev/null
restore_equal latest

note "503 on every upload: exit 14 after bounded retries, no snapshot, repository consistent"
before=$(snapshot_count)
change_source 2
faults '[{"kind":"status","status":503,"methods":["PUT","POST"]}]'
STRATA_S3_ATTEMPTS=3 expect_exit 14 st backup "$WORK/src"
expect_in "$WORK/err" "gave up after 3 attempts"
faults '[]'
[ "$(snapshot_count)" = "$before" ] || fail "a failed backup left a snapshot"
st check --read-data >/dev/null

note "the snapshot upload fails for good: no snapshot, nothing dangling"
faults '[{"kind":"status","status":500,"methods":["PUT"],"path_regex":"/snapshots/"}]'
STRATA_S3_ATTEMPTS=2 expect_exit 14 st backup "$WORK/src"
expect_in "$WORK/err" "snapshots/"
faults '[]'
[ "$(snapshot_count)" = "$before" ] || fail "a backup whose snapshot failed is listed"
st check --read-data >/dev/null
st prune --quiet
st check --read-data >/dev/null

note "uploads cut mid-body (connection reset): retried, the data is whole"
change_source 3
faults '[{"kind":"cut_request","after_bytes":1000000,"methods":["PUT"],"path_regex":"/data/","count":3}]'
st backup "$WORK/src" --quiet 2>"$WORK/err"
[ "$(faults_applied cut_request)" -ge 1 ] || fail "no upload was cut"
expect_in "$WORK/err" "retry"
faults '[]'
st check --read-data >/dev/null
restore_equal latest

note "slow responses: everything is just slower"
change_source 4
faults '[{"kind":"delay","ms":300,"count":25}]'
st backup "$WORK/src" --quiet
faults '[]'
restore_equal latest

note "a hung request (no answer) is abandoned after the stall timeout and retried"
faults '[{"kind":"drop","ms":20000,"methods":["GET"],"path_regex":"/data/","count":1}]'
rm -rf "$WORK/r"
STRATA_S3_STALL_TIMEOUT=2 st restore latest --target "$WORK/r" --quiet 2>"$WORK/err"
[ "$(faults_applied drop)" = 1 ] || fail "no request was dropped"
expect_in "$WORK/err" "retry"
python3 "$TESTS_DIR/compare_trees.py" "$WORK/src" "$WORK/r$WORK/src" >/dev/null || fail "restore after a hang differs"
faults '[]'

note "downloads cut mid-body: retried, the restore is byte-exact"
faults '[{"kind":"cut_response","after_bytes":200000,"methods":["GET"],"path_regex":"/data/","count":3}]'
restore_equal latest
[ "$(faults_applied cut_response)" -ge 1 ] || fail "no download was cut"
faults '[]'

note "a pack that is missing on the server: a clear integrity error"
faults '[{"kind":"missing","path_regex":"/data/"}]'
rm -rf "$WORK/r"
expect_exit 13 st restore latest --target "$WORK/r"
expect_in "$WORK/err" "pack named by the index is missing"
expect_exit 13 st check
faults '[]'
st check --read-data >/dev/null

note "a bucket that refuses writes (403 AccessDenied): reads go on without a lock, writers exit 14"
faults '[{"kind":"status","status":403,"methods":["PUT","POST","DELETE"]}]'
rm -rf "$WORK/r"
expect_exit 0 st restore latest --target "$WORK/r"
expect_in "$WORK/err" "is read-only (Permission denied): reading without a lock"
python3 "$TESTS_DIR/compare_trees.py" "$WORK/src" "$WORK/r$WORK/src" >/dev/null || fail "restore from a read-only bucket differs"
expect_exit 0 st --no-cache check
expect_in "$WORK/err" "reading without a lock"
expect_exit 14 st backup "$WORK/src"
expect_in "$WORK/err" "is read-only (Permission denied): backup needs to write"
faults '[{"kind":"status","status":403,"methods":["PUT","POST","DELETE"],"body":"<Error><Code>SignatureDoesNotMatch</Code></Error>"}]'
expect_exit 14 st restore latest --target "$WORK/r2"
expect_in "$WORK/err" "SignatureDoesNotMatch"
faults '[]'

note "the server stops answering for good: exit 14 naming the server"
kill "$PROXY_PID"; wait "$PROXY_PID" 2>/dev/null || true
STRATA_S3_ATTEMPTS=3 expect_exit 14 st snapshots
expect_in "$WORK/err" "cannot reach the server"
echo "PASS: $(basename "$0")" >&2
