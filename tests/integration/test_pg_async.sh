# Asynchronous archiving and read-ahead with a real PostgreSQL 15: wal-push
# --async acknowledges segments pushed by a background pusher with several in
# flight; killing the pusher (kill -9) at random moments while WAL is produced
# and stopping the server hard loses and duplicates nothing (pg verify passes,
# every segment is archived); a restore whose restore_command is wal-get
# --async recovers through the read-ahead spool.
source "$(dirname "$0")/lib.sh"
source "$TESTS_DIR/pg_lib.sh"

pg_setup_primary "archive_timeout = 0"
SPOOL="$WORK/spool"
psql_at "$PPORT" -c "alter system set archive_command = '$PG_STRATA pg wal-push --config $CONFIG --stanza main --async --spool $SPOOL %p'" \
  -c "select pg_reload_conf()" >/dev/null
psql_at "$PPORT" -c "create table t (id int, pad text)"
pgst pg backup --stanza main --type full --quiet

note "many segments through the async pusher"
for i in $(seq 1 12); do
  psql_at "$PPORT" -c "insert into t select g, md5(g::text) from generate_series(1, 2000) g"
  psql_at "$PPORT" -c "select pg_switch_wal()" >/dev/null
done
pg_wait_archived "$PPORT"
[ -s "$SPOOL/pusher.log" ] || [ -e "$SPOOL/pusher.lock" ] || fail "no async pusher ran"

note "kill -9 the pusher at random moments while WAL is produced"
for round in $(seq 1 6); do
  psql_at "$PPORT" -c "insert into t select g, 'round $round' from generate_series(1, 3000) g"
  psql_at "$PPORT" -c "select pg_switch_wal()" >/dev/null
  sleep "0.$((RANDOM % 4))"
  pkill -9 -f "wal-push-worker.*$SPOOL" 2>/dev/null || true
done
note "stop the server hard, kill the pusher, start again"
pg_stop "$PRIMARY" immediate
pkill -9 -f "wal-push-worker.*$SPOOL" 2>/dev/null || true
pg_start "$PRIMARY"
pg_wait_archived "$PPORT"
FAILED=$(psql_at "$PPORT" -c "select failed_count from pg_stat_archiver")
note "archiver failures while the pusher was being killed: $FAILED"
pgst pg verify --stanza main >"$WORK/verify.out" || { cat "$WORK/verify.out" >&2; fail "verify after pusher kills"; }
LAST=$(psql_at "$PPORT" -c "select last_archived_wal from pg_stat_archiver")
pgst pg info --stanza main --json | python3 -c '
import json, sys
info = json.load(sys.stdin); last = sys.argv[1]
r = info["wal"]["ranges"]
assert len(r) == 1, r            # one contiguous run: nothing lost
assert r[0]["last"] >= last, (r, last)
' "$LAST"

note "restore through wal-get --async (read-ahead)"
R="$WORK/r1"; RP=$(free_port)
pg_restore_and_start "$R" "$RP" --async --spool "$WORK/spool-r"
expect_in "$WORK/restore.out" "--async --spool"
[ "$(psql_at "$RP" -c "select count(*) from t")" = "$(psql_at "$PPORT" -c "select count(*) from t")" ] ||
  fail "async restore lost rows"
[ -e "$WORK/spool-r/fetcher.lock" ] || fail "no read-ahead fetcher ran"
pg_stop "$R"
echo "test_pg_async: ok"
