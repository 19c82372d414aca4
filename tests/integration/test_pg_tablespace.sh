# Tablespaces outside the data directory with a real PostgreSQL 15: a backup
# copies them (their pages checked too), a restore refuses to write into the
# live tablespace directory and puts it where --tablespace-map says, and the
# restored server finds the table through the new location.
source "$(dirname "$0")/lib.sh"
source "$TESTS_DIR/pg_lib.sh"

pg_setup_primary
TS="$WORK/ts1"; mkdir -p "$TS"; [ "$(id -u)" = 0 ] && chown postgres: "$TS"
psql_at "$PPORT" -c "create tablespace ts1 location '$TS'"
psql_at "$PPORT" -c "create table far (id int, pad text) tablespace ts1" \
  -c "insert into far select g, md5(g::text) from generate_series(1, 30000) g"
SUM=$(psql_at "$PPORT" -c "select md5(string_agg(far::text, ',' order by id)) from far")
pgst pg backup --stanza main --type full --json >"$WORK/full.json"
python3 - "$WORK/full.json" <<'P'
import json, sys
j = json.load(open(sys.argv[1]))
assert j["checksum_pages"] > 200 and not j["checksum_errors"], j   # includes the tablespace's pages
P
pg_wait_archived "$PPORT"

expect_exit 2 pgst pg restore --stanza main --pgdata "$WORK/rx"
expect_in "$WORK/err" "tablespace ts1"
expect_in "$WORK/err" "is not empty"

R="$WORK/r1"; RP=$(free_port)
pg_restore_and_start "$R" "$RP" --tablespace-map "ts1=$WORK/ts1-restored" --target immediate --target-action promote
[ "$(psql_at "$RP" -c "select pg_tablespace_location(oid) from pg_tablespace where spcname = 'ts1'")" = "$WORK/ts1-restored" ] ||
  fail "restored server does not use the mapped tablespace location"
[ "$(psql_at "$RP" -c "select md5(string_agg(far::text, ',' order by id)) from far")" = "$SUM" ] || fail "tablespace table differs"
pg_stop "$R"
echo "test_pg_tablespace: ok"
