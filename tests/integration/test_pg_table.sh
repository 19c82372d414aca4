# Table and schema recovery (`strata pg restore-table`) with a real PostgreSQL
# 15: rows committed up to a target second T are kept, later updates, deletes
# and a DROP TABLE are not; the SQL written for a table and for a schema must
# load into a fresh database and hold exactly the rows as of T. A table that
# does not exist fails with exit 18, and no scratch instance or directory is
# left behind. As root, the schema and failure cases run strata as root too
# (the scratch instance then runs as the data directory's owner, postgres).
source "$(dirname "$0")/lib.sh"
source "$TESTS_DIR/pg_lib.sh"

pg_setup_primary "track_commit_timestamp = on"
SCRATCH="$WORK/scratch"

# psql_db DB SQL...: like psql_at on the primary, in database DB.
psql_db() { local db=$1; shift; psql -h 127.0.0.1 -p "$PPORT" -U postgres -d "$db" -XAtq -v ON_ERROR_STOP=1 "$@"; }
# Rows and content of each table, one line per table.
acc_sum() { psql_db "$1" -c "select 'accounts ' || count(*) || ':' || md5(string_agg(a::text, ',' order by id)) from public.accounts a"; }
sales_sum() {
  psql_db "$1" -c "select 'orders ' || count(*) || ':' || md5(string_agg(o::text, ',' order by id)) from sales.orders o" \
               -c "select 'customers ' || count(*) || ':' || md5(string_agg(c::text, ',' order by id)) from sales.customers c"
}
# strata as root when we are root (the scratch instance must then switch user), else as ourselves.
strata_self() { env STRATA_CONFIG="$CONFIG" "$PG_STRATA" "$@"; }
# no_leftovers: no process runs in or names the scratch area, and it holds nothing.
no_leftovers() {
  local p cwd
  if pgrep -af -- "$SCRATCH" >&2; then fail "a process of the scratch instance is still running"; fi
  for p in /proc/[0-9]*; do
    cwd=$(readlink "$p/cwd" 2>/dev/null || true)
    case "$cwd" in "$SCRATCH"/*) fail "process ${p#/proc/} still runs in $cwd" ;; esac
  done
  [ -z "$(ls -A "$SCRATCH" 2>/dev/null)" ] || { ls -la "$SCRATCH" >&2; fail "scratch directory left in $SCRATCH"; }
}

note "tables: public.accounts, sales.orders, sales.customers"
psql_at "$PPORT" \
  -c "create table public.accounts (id int primary key, owner text not null, balance numeric(12,2) not null)" \
  -c "create schema sales" \
  -c "create table sales.customers (id int primary key, name text not null)" \
  -c "create table sales.orders (id int primary key, customer int not null, item text, qty int)" \
  -c "insert into public.accounts select g, 'owner ' || g, g * 10.5 from generate_series(1, 500) g" \
  -c "insert into sales.customers select g, 'customer ' || g from generate_series(1, 50) g" \
  -c "insert into sales.orders select g, 1 + g % 50, 'item ' || (g % 7), g % 11 from generate_series(1, 300) g"
pgst pg backup --stanza main --type full >"$WORK/full.out"
expect_in "$WORK/full.out" "full backup"

note "changes after the backup that must survive (WAL replay to T)"
psql_at "$PPORT" \
  -c "update public.accounts set balance = balance + 1 where id % 3 = 0" \
  -c "insert into public.accounts select g, 'late owner ' || g, g from generate_series(501, 520) g" \
  -c "delete from sales.orders where id > 290" \
  -c "update sales.customers set name = name || ' (vip)' where id <= 5"

# T: the next whole second after the last commit to keep; later commits wait
# until the server's clock is past it.
T=$(psql_at "$PPORT" -c "select to_char(date_trunc('second', clock_timestamp()) at time zone 'UTC' + interval '1 second', 'YYYY-MM-DD HH24:MI:SS')")
acc_sum postgres >"$WORK/acc.expected"
sales_sum postgres >"$WORK/sales.expected"
until [ "$(psql_at "$PPORT" -c "select clock_timestamp() > '$T+00'::timestamptz + interval '0.3 second'")" = t ]; do sleep 0.1; done
[ "$(psql_at "$PPORT" -c "select count(*) from public.accounts where pg_xact_commit_timestamp(xmin) > '$T+00'")" = 0 ] ||
  fail "rows to keep were committed after $T"
note "target time $T UTC; now the changes that must not appear"
psql_at "$PPORT" \
  -c "update public.accounts set balance = 0, owner = 'changed' where id <= 100" \
  -c "delete from public.accounts where id > 400" \
  -c "update sales.orders set qty = -1" \
  -c "drop table sales.customers"
[ "$(psql_at "$PPORT" -c "select count(*) from public.accounts where pg_xact_commit_timestamp(xmin) <= '$T+00' and id <= 100")" = 0 ] ||
  fail "the later changes were committed at or before $T"
[ "$(acc_sum postgres)" != "$(cat "$WORK/acc.expected")" ] || fail "accounts did not change after T"
pg_wait_archived "$PPORT"

note "restore-table --table public.accounts"
pgst pg restore-table --stanza main --target-time "$T" --table public.accounts --output "$WORK/acc.sql" \
  --scratch-dir "$SCRATCH" 2>"$WORK/acc.err" || { cat "$WORK/acc.err" >&2; fail "restore-table of public.accounts failed"; }
cat "$WORK/acc.err" >&2
expect_in "$WORK/acc.err" "written to $WORK/acc.sql"
expect_in "$WORK/acc.sql" "CREATE TABLE public.accounts"
grep -q "sales" "$WORK/acc.sql" && fail "the dump of public.accounts holds other objects"
no_leftovers
createdb -h 127.0.0.1 -p "$PPORT" -U postgres acc_check
psql_db acc_check -f "$WORK/acc.sql" >/dev/null
GOT=$(acc_sum acc_check); WANT=$(cat "$WORK/acc.expected")
[ "$GOT" = "$WANT" ] || fail "public.accounts as of $T: got '$GOT', expected '$WANT'"
[ "$(psql_db acc_check -c "select count(*) from pg_namespace where nspname = 'sales'")" = 0 ] || fail "schema sales came along"

note "restore-table --schema sales (with the dropped table), as $(id -un), keeping the scratch directory"
strata_self pg restore-table --stanza main --target-time "$T" --schema sales --output "$WORK/sales.sql" \
  --scratch-dir "$SCRATCH" --keep-scratch 2>"$WORK/sales.err" || { cat "$WORK/sales.err" >&2; fail "restore-table of schema sales failed"; }
cat "$WORK/sales.err" >&2
expect_in "$WORK/sales.err" "scratch directory kept"
KEPT=$(sed -n 's/.*scratch directory kept (instance stopped): //p' "$WORK/sales.err")
[ -d "$KEPT/pgdata" ] || fail "--keep-scratch did not keep $KEPT/pgdata"
[ ! -e "$KEPT/pgdata/postmaster.pid" ] || fail "the kept scratch instance is still running"
if pgrep -af -- "$KEPT" >&2; then fail "the kept scratch instance is still running"; fi
[ "$(stat -c %U "$KEPT/pgdata")" = "$PG_OS_USER" ] || fail "the scratch data directory is not owned by $PG_OS_USER"
rm -rf "$KEPT"
no_leftovers
createdb -h 127.0.0.1 -p "$PPORT" -U postgres sales_check
psql_db sales_check -f "$WORK/sales.sql" >/dev/null
GOT=$(sales_sum sales_check); WANT=$(cat "$WORK/sales.expected")
[ "$GOT" = "$WANT" ] || fail "schema sales as of $T: got '$GOT', expected '$WANT'"

note "restore-table --table public.nope: exit 18, nothing left behind"
expect_exit 18 strata_self pg restore-table --stanza main --target-time "$T" --table public.nope \
  --output "$WORK/nope.sql" --scratch-dir "$SCRATCH"
cat "$WORK/err" >&2
expect_in "$WORK/err" 'no matching tables were found for pattern "public.nope"'
[ "$(grep -c 'strata: error:' "$WORK/err")" = 1 ] || fail "expected one error line"
[ ! -e "$WORK/nope.sql" ] && [ ! -e "$WORK/nope.sql.strata-tmp" ] || fail "a failed restore-table left SQL behind"
no_leftovers

note "usage errors"
expect_exit 2 pgst pg restore-table --stanza main --target-time "$T" --output "$WORK/x.sql"
expect_in "$WORK/err" "--table"
expect_exit 2 pgst pg restore-table --stanza main --target-time "$T" --table public.accounts --schema sales
expect_in "$WORK/err" "not both"
echo "test_pg_table: ok"
