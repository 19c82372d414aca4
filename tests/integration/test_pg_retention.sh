# pg expire and pg verify with a real PostgreSQL 15: after full, incr, diff,
# full, incr, `expire --keep-full 1` removes the first chain and the WAL before
# the kept full's start, prunes, and the stanza still restores; `verify` passes
# on the result and names a corrupt WAL record and a gap in the archive.
source "$(dirname "$0")/lib.sh"
source "$TESTS_DIR/pg_lib.sh"

pg_setup_primary
pgbench -h 127.0.0.1 -p "$PPORT" -U postgres -i -s 2 -q postgres >/dev/null 2>&1
workload() { pgbench -h 127.0.0.1 -p "$PPORT" -U postgres -T 1 -c 2 -n postgres >/dev/null 2>&1; psql_at "$PPORT" -c "select pg_switch_wal()" >/dev/null; }
id_of() { python3 -c 'import json,sys; print(json.load(sys.stdin)["snapshot_id"])'; }
F1=$(pgst pg backup --stanza main --type full --json | id_of); workload
I1=$(pgst pg backup --stanza main --type incr --json | id_of); workload
D1=$(pgst pg backup --stanza main --type diff --json | id_of); workload
F2=$(pgst pg backup --stanza main --type full --json | id_of); workload
I2=$(pgst pg backup --stanza main --type incr --json | id_of); workload
pg_wait_archived "$PPORT"

note "verify a healthy stanza"
pgst pg verify --stanza main --read-data >"$WORK/verify.out"
expect_in "$WORK/verify.out" "no problems found"

note "expire --dry-run changes nothing"
pgst pg expire --stanza main --keep-full 1 --dry-run >"$WORK/dry.out"
expect_in "$WORK/dry.out" "remove full ${F1:0:8}"
expect_in "$WORK/dry.out" "keep   full ${F2:0:8}"
[ "$(pgst pg info --stanza main --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["backups"]))')" = 5 ] ||
  fail "dry run removed backups"

note "expire --keep-full 1"
BEFORE=$(du -sb "$WORK/repo" | cut -f1)
pgst pg expire --stanza main --keep-full 1 >"$WORK/expire.out"
expect_in "$WORK/expire.out" "removed 3 backup(s)"
AFTER=$(du -sb "$WORK/repo" | cut -f1)
[ "$AFTER" -lt "$BEFORE" ] || fail "expire freed nothing ($BEFORE -> $AFTER bytes)"
pgst pg info --stanza main --json >"$WORK/info.json"
python3 - "$WORK/info.json" "$F2" "$I2" <<'P'
import json, sys
info = json.load(open(sys.argv[1])); f2, i2 = sys.argv[2:]
ids = [b["snapshot_id"] for b in info["backups"]]
assert ids == [f2, i2], ids
start = [b for b in info["backups"] if b["snapshot_id"] == f2][0]["start_wal"]
first = info["wal"]["ranges"][0]["first"]
assert first == start, (first, start)   # nothing older than the kept full's start
P
pgst pg verify --stanza main --quiet
R="$WORK/r1"; RP=$(free_port)
pg_restore_and_start "$R" "$RP"
[ "$(psql_at "$RP" -c "select count(*) from pgbench_history")" = "$(psql_at "$PPORT" -c "select count(*) from pgbench_history")" ] ||
  fail "restore after expire differs"
pg_stop "$R"

note "verify names a corrupt WAL record and a gap"
mapfile -t SEGS < <(find "$WORK/repo/records/pg/main/wal" -type f -name '0000000100000000000000??' | sort)
[ "${#SEGS[@]}" -ge 3 ] || fail "expected at least 3 archived segments, have ${#SEGS[@]}"
printf 'X' | dd of="${SEGS[0]}" bs=1 seek=200 conv=notrunc status=none
rm "${SEGS[1]}"
expect_exit 13 pgst pg verify --stanza main
expect_in "$WORK/err" "$(basename "${SEGS[0]}"): "
expect_in "$WORK/err" "fails authentication"
expect_in "$WORK/err" "WAL gap on timeline 1: $(basename "${SEGS[1]}")"
echo "test_pg_retention: ok"
