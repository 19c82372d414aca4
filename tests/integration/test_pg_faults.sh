# PostgreSQL fault paths with a real PostgreSQL 15: wal-push of a file that is no
# WAL segment, of different content under an archived name, with the repository
# unreachable (PostgreSQL retries, nothing is lost once it returns); a stanza of
# another cluster; restore into a non-empty directory without --delta; a target
# before the first backup; a backup killed mid-copy and then a new one.
source "$(dirname "$0")/lib.sh"
source "$TESTS_DIR/pg_lib.sh"

pg_setup_primary
psql_at "$PPORT" -c "create table t (id int primary key, pad text)"
psql_at "$PPORT" -c "insert into t select g, repeat('x', 500) from generate_series(1, 20000) g"
pg_wait_archived "$PPORT"
SEG=$(pgst pg info --stanza main --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["wal"]["ranges"][0]["last"])')

note "wal-push of a file that is not a WAL segment"
head -c 16777216 /dev/urandom >"$WORK/000000010000000000000099"; chmod 644 "$WORK/000000010000000000000099"
expect_exit 2 pgst pg wal-push --stanza main "$WORK/000000010000000000000099"
expect_in "$WORK/err" "refusing to archive 000000010000000000000099"
echo hello >"$WORK/notwal"; chmod 644 "$WORK/notwal"
expect_exit 2 pgst pg wal-push --stanza main "$WORK/notwal"
expect_in "$WORK/err" "is not the name of a WAL"

note "wal-push of a different segment under an archived name"
pgst pg wal-get --stanza main "$SEG" "$WORK/seg.orig"
mkdir -p "$WORK/same"; cp "$WORK/seg.orig" "$WORK/same/$SEG"; chmod -R a+rX "$WORK/same"
pgst pg wal-push --stanza main "$WORK/same/$SEG" || fail "pushing the identical segment again must succeed"
note "archive_command with nothing but the environment (no config file)"
aspg env STRATA_REPOSITORY="$WORK/repo" STRATA_KEY_FILE="$WORK/key" STRATA_STANZA=main \
  "$PG_STRATA" pg wal-push "$WORK/same/$SEG" || fail "wal-push configured by the environment alone failed"
note "the server's user cannot write the repository"
SEGDIR=$(dirname "$(find "$WORK/repo/records/pg/main/wal" -name "$SEG")")
chmod 555 "$SEGDIR"
psql_at "$PPORT" -c "insert into t values (0, 'x')"
NEXT=$(psql_at "$PPORT" -c "select pg_walfile_name(pg_current_wal_lsn())")
# The segment the server is writing now: same directory, never archived yet.
[ -e "$PRIMARY/pg_wal/$NEXT" ] || { ls "$PRIMARY/pg_wal" >&2; fail "expected the current segment $NEXT in pg_wal"; }
cp "$PRIMARY/pg_wal/$NEXT" "$WORK/same/$NEXT"; chmod 644 "$WORK/same/$NEXT"
expect_exit 14 pgst pg wal-push --stanza main "$WORK/same/$NEXT"
expect_in "$WORK/err" "Permission denied"
expect_in "$WORK/err" "must be able to read the password file and read and write the repository"
chmod 700 "$SEGDIR"
mkdir -p "$WORK/other"; cp "$WORK/seg.orig" "$WORK/other/$SEG"
printf 'X' | dd of="$WORK/other/$SEG" bs=1 seek=100000 conv=notrunc status=none
chmod -R a+rX "$WORK/other"
expect_exit 17 pgst pg wal-push --stanza main "$WORK/other/$SEG"
expect_in "$WORK/err" "already archived with different content"
pgst pg wal-get --stanza main "$SEG" "$WORK/seg.after"
cmp -s "$WORK/seg.orig" "$WORK/seg.after" || fail "the archived segment changed"

note "wal-get of a segment that is not archived"
expect_exit 15 pgst pg wal-get --stanza main 0000000100000000000000FE "$WORK/nothing"
[ ! -e "$WORK/nothing" ] || fail "wal-get wrote a file for a missing segment"

note "a stanza of another cluster"
OTHER="$WORK/other-cluster"; OPORT=$(free_port)
pg_init "$OTHER" "$OPORT"; pg_start "$OTHER"
expect_exit 17 pgst pg stanza-create --stanza main --pghost 127.0.0.1 --pgport "$OPORT"
expect_in "$WORK/err" "stanza main belongs to system id"
expect_exit 17 pgst pg backup --stanza main --pghost 127.0.0.1 --pgport "$OPORT" --pgdata "$OTHER"
OSEG=$(psql_at "$OPORT" -c "select pg_walfile_name(pg_current_wal_lsn())")
cp "$OTHER/pg_wal/$OSEG" "$WORK/$OSEG"; chmod 644 "$WORK/$OSEG"
expect_exit 2 pgst pg wal-push --stanza main "$WORK/$OSEG"
expect_in "$WORK/err" "belongs to database system"
pg_stop "$OTHER"

note "repository unreachable: archive_command fails, PostgreSQL retries, nothing is lost"
pgst pg backup --stanza main --type full --quiet
# Earlier sections may already have made archive_command fail once: wait for a
# failure counted after the repository went away, not for any failure.
FAILED_BEFORE=$(psql_at "$PPORT" -c "select failed_count from pg_stat_archiver")
LOG_LINES_BEFORE=$(wc -l <"$PRIMARY.log")
mv "$WORK/repo" "$WORK/repo.away"
psql_at "$PPORT" -c "insert into t select g, 'during outage' from generate_series(20001, 20100) g"
psql_at "$PPORT" -c "select pg_switch_wal()" >/dev/null
end=$((SECONDS + 30))
until [ "$(psql_at "$PPORT" -c "select failed_count > $FAILED_BEFORE from pg_stat_archiver")" = t ]; do
  [ "$SECONDS" -lt "$end" ] || fail "archive_command did not fail while the repository was away"; sleep 0.2
done
until tail -n +"$((LOG_LINES_BEFORE + 1))" "$PRIMARY.log" | grep -q "no repository at"; do
  [ "$SECONDS" -lt "$end" ] || fail "the server log does not say why archiving failed"; sleep 0.2
done
mv "$WORK/repo.away" "$WORK/repo"
pg_wait_archived "$PPORT"
R="$WORK/r1"; RP=$(free_port)
pg_restore_and_start "$R" "$RP"
[ "$(psql_at "$RP" -c "select count(*) from t where pad = 'during outage'")" = 100 ] || fail "rows written during the outage were lost"
pg_stop "$R"

note "pg check: passes with archiving working, names the failure when archive_command fails"
pgst pg check --stanza main >"$WORK/check.out"
expect_in "$WORK/check.out" "archiving works"
psql_at "$PPORT" -c "alter system set archive_command = '/bin/false'" -c "select pg_reload_conf()" >/dev/null
sleep 0.5
psql_at "$PPORT" -c "insert into t values (30000, 'x')"
expect_exit 18 pgst pg check --stanza main --archive-timeout 3
expect_in "$WORK/err" "did not reach stanza main"
expect_in "$WORK/err" "last failed on"
psql_at "$PPORT" -c "alter system reset archive_command" -c "select pg_reload_conf()" >/dev/null
sleep 0.5
pgst pg check --stanza main --quiet

note "restore into a non-empty directory without --delta, and with it"
expect_exit 2 pgst pg restore --stanza main --pgdata "$R"
expect_in "$WORK/err" "is not empty"
echo junk >"$R/base/junk-file"
VICTIM=$(cd "$R" && find base -type f -name '1259' | head -1)
head -c 8192 /dev/urandom | dd of="$R/$VICTIM" bs=8192 count=1 conv=notrunc status=none
pgst pg restore --stanza main --pgdata "$R" --delta --archive-mode off --target immediate --target-action promote >"$WORK/delta.out"
[ ! -e "$R/base/junk-file" ] || fail "--delta left a file the backup does not have"
python3 - "$WORK/delta.out" <<'P'
import re, sys
m = re.search(r"delta: (\d+) files .* not rewritten", open(sys.argv[1]).read())
assert m and int(m.group(1)) > 100, open(sys.argv[1]).read()
P
R2D="$WORK/r-fresh"
pgst pg restore --stanza main --pgdata "$R2D" --archive-mode off --target immediate --target-action promote --quiet
cmp -s "$R/$VICTIM" "$R2D/$VICTIM" || fail "--delta did not rewrite a file whose content differs ($VICTIM)"

note "target time before the first backup"
expect_exit 15 pgst pg restore --stanza main --pgdata "$WORK/r2" --target-time "2001-01-01 00:00:00"
expect_in "$WORK/err" "outside the recoverable window"
expect_exit 2 pgst pg restore --stanza main --pgdata "$WORK/r2" --target-time "yesterday"

note "a backup killed mid-copy, then a new backup"
psql_at "$PPORT" -c "create table big as select g, md5(g::text) || repeat('y', 900) as pad from generate_series(1, 120000) g"
aspg env STRATA_CONFIG="$CONFIG" "$PG_STRATA" pg backup --stanza main --type full --quiet &
BPID=$!
sleep 0.6
kill -9 "$BPID" 2>/dev/null || true
wait "$BPID" 2>/dev/null || true
[ "$(psql_at "$PPORT" -c "select count(*) from pg_stat_activity where backend_type = 'client backend' and application_name = 'strata'")" = 0 ] ||
  sleep 1
pgst pg backup --stanza main --type incr >"$WORK/after-kill.out"
expect_in "$WORK/after-kill.out" "backup"
pg_wait_archived "$PPORT"
R3="$WORK/r3"; P3=$(free_port)
pg_restore_and_start "$R3" "$P3" --target immediate --target-action promote
[ "$(psql_at "$P3" -c "select count(*) from big")" = 120000 ] || fail "backup after a killed one is incomplete"
pg_stop "$R3"
echo "test_pg_faults: ok"
