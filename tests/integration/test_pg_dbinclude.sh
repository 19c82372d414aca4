# pg restore --db-include with a real PostgreSQL 15: only the named database
# (and the system ones) is restored with content; the other database's files
# are holes of their size, recovery runs, the kept database has its rows and
# the left-out one can be dropped.
source "$(dirname "$0")/lib.sh"
source "$TESTS_DIR/pg_lib.sh"

pg_setup_primary
psql_at "$PPORT" -c "create database keep" -c "create database skip"
psql -h 127.0.0.1 -p "$PPORT" -U postgres -d keep -XAtq -c "create table k as select g, md5(g::text) m from generate_series(1, 50000) g"
psql -h 127.0.0.1 -p "$PPORT" -U postgres -d skip -XAtq -c "create table s as select g, repeat(md5(g::text), 20) m from generate_series(1, 50000) g"
SKIP_OID=$(psql_at "$PPORT" -c "select oid from pg_database where datname = 'skip'")
pgst pg backup --stanza main --type full --quiet
pg_wait_archived "$PPORT"

expect_exit 15 pgst pg restore --stanza main --pgdata "$WORK/rx" --db-include nosuchdb
expect_in "$WORK/err" "database nosuchdb is not in backup"

R="$WORK/r1"; RP=$(free_port)
pg_restore_and_start "$R" "$RP" --db-include keep --target immediate --target-action promote
expect_in "$WORK/restore.out" "left out (files restored empty): skip"
[ "$(psql -h 127.0.0.1 -p "$RP" -U postgres -d keep -XAtq -c "select count(*) from k")" = 50000 ] || fail "kept database lost rows"
USED=$(du -sk "$R/base/$SKIP_OID" | cut -f1)
APPARENT=$(du -sk --apparent-size "$R/base/$SKIP_OID" | cut -f1)
[ "$USED" -lt $((APPARENT / 4)) ] || fail "left-out database takes $USED KiB of $APPARENT KiB: not sparse"
psql_at "$RP" -c "drop database skip" || fail "cannot drop the left-out database"
pg_stop "$R"
echo "test_pg_dbinclude: ok"
