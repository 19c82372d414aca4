# PostgreSQL continuous archiving and point-in-time recovery with a real
# PostgreSQL 15: a writer commits a row every ~100 ms across a full and an
# incremental backup; restores to a target second, a target LSN and a named
# restore point must hold exactly the rows committed up to the target. The DR
# replica alone, mounted read-only, serves `pg info`, `pg restore` and the
# restored server's `pg wal-get` (read without a lock).
source "$(dirname "$0")/lib.sh"
source "$TESTS_DIR/pg_lib.sh"

DR_RO="$WORK/dr-ro"  # read-only bind mount of the replica
unmount_dr_ro() { if mountpoint -q "$DR_RO"; then umount "$DR_RO" || umount -l "$DR_RO"; fi; }
trap 'unmount_dr_ro; cleanup' EXIT

pg_setup_primary "track_commit_timestamp = on"
psql_at "$PPORT" -c "create table t (id serial primary key, ts timestamptz not null default clock_timestamp())"

note "writer: one committed row every 100 ms"
echo "insert into t default values \\watch 0.1" | psql -h 127.0.0.1 -p "$PPORT" -U postgres -Xq >/dev/null 2>&1 &
BG_PIDS+=($!)
sleep 1.5
note "full backup while writing"
pgst pg backup --stanza main --type full >"$WORK/full.out"
expect_in "$WORK/full.out" "full backup"
sleep 1.5
note "incremental backup while writing"
pgst pg backup --stanza main --type incr >"$WORK/incr.out"
expect_in "$WORK/incr.out" "incr backup"
expect_in "$WORK/incr.out" "unchanged"
sleep 2.5
kill "${BG_PIDS[-1]}"; wait "${BG_PIDS[-1]}" 2>/dev/null || true

# Target second T: inside the writes after the incremental backup.
T=$(psql_at "$PPORT" -c "select to_char(date_trunc('second', max(ts) - interval '1 second') at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS') from t")
EXPECT_T=$(psql_at "$PPORT" -c "select count(*) || ':' || coalesce(max(id), 0) from t where pg_xact_commit_timestamp(xmin) <= '$T+00'")
AFTER_T=$(psql_at "$PPORT" -c "select count(*) from t where pg_xact_commit_timestamp(xmin) > '$T+00'")
[ "$AFTER_T" -gt 0 ] || fail "no rows after the target: the test would prove nothing"
note "target time $T UTC: expect rows:max id $EXPECT_T ($AFTER_T later rows must be absent)"

note "rows around an LSN and a named restore point"
psql_at "$PPORT" -c "insert into t default values returning id" >"$WORK/lsn_before"
LSN=$(psql_at "$PPORT" -c "select pg_current_wal_insert_lsn()")
psql_at "$PPORT" -c "insert into t default values returning id" >"$WORK/lsn_after"
psql_at "$PPORT" -c "insert into t default values returning id" >"$WORK/rp_before"
psql_at "$PPORT" -c "select pg_create_restore_point('before_last_row')" >/dev/null
psql_at "$PPORT" -c "insert into t default values returning id" >"$WORK/rp_after"
pg_wait_archived "$PPORT"

pgst pg info --stanza main >"$WORK/info.out"
cat "$WORK/info.out" >&2
expect_in "$WORK/info.out" "recoverable window"
expect_in "$WORK/info.out" "archive lag: server at"
expect_in "$WORK/info.out" "incr"

note "restore to the target second"
R1="$WORK/r1"; P1=$(free_port)
pg_restore_and_start "$R1" "$P1" --target-time "$T" --target-action promote
cat "$WORK/restore.out" >&2
GOT=$(psql_at "$P1" -c "select count(*) || ':' || coalesce(max(id), 0) from t")
[ "$GOT" = "$EXPECT_T" ] || fail "restore to $T: got rows:max $GOT, expected $EXPECT_T"
LATE=$(psql_at "$P1" -c "select count(*) from t where ts > '$T+00'")
[ "$LATE" = 0 ] || fail "restore to $T holds $LATE row(s) written after the target"
pg_stop "$R1"

note "restore to LSN $LSN"
R2="$WORK/r2"; P2=$(free_port)
pg_restore_and_start "$R2" "$P2" --target-lsn "$LSN" --target-action promote
[ "$(psql_at "$P2" -c "select count(*) from t where id = $(cat "$WORK/lsn_before")")" = 1 ] || fail "row before the LSN missing"
[ "$(psql_at "$P2" -c "select count(*) from t where id >= $(cat "$WORK/lsn_after")")" = 0 ] || fail "rows after the LSN present"
pg_stop "$R2"

note "restore to the named restore point"
R3="$WORK/r3"; P3=$(free_port)
pg_restore_and_start "$R3" "$P3" --target-name before_last_row --target-action promote
[ "$(psql_at "$P3" -c "select count(*) from t where id = $(cat "$WORK/rp_before")")" = 1 ] || fail "row before the restore point missing"
[ "$(psql_at "$P3" -c "select count(*) from t where id = $(cat "$WORK/rp_after")")" = 0 ] || fail "row after the restore point present"
pg_stop "$R3"

note "the DR replica: replicate backups and WAL, restore from the replica alone, mounted read-only"
aspg "$PG_STRATA" init --repo "$WORK/dr" --generate-key-file "$WORK/drkey" --quiet
cat >>"$CONFIG" <<Y
replicas:
  - name: dr
    repository: $WORK/dr
    key_file: $WORK/drkey
Y
pg_wait_archived "$PPORT"
pgst repo status >"$WORK/status.out"
expect_in "$WORK/status.out" "dr  $WORK/dr: behind by"
expect_in "$WORK/status.out" "WAL/record object(s)"
pgst replicate >"$WORK/replicate.out"
expect_in "$WORK/replicate.out" "re-encrypted"
pgst repo status --json >"$WORK/status.json"
python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["replicas"][0]; sys.exit(0 if r["in_sync"] and r["missing_records"] == 0 else 1)' \
  "$WORK/status.json" || { cat "$WORK/status.json" >&2; fail "the replica is not in sync after replicate"; }
mv "$WORK/repo" "$WORK/repo.gone"   # the main repository is lost: only the replica remains
DR="$WORK/dr"; WARN=""
mkdir -p "$DR_RO"
if mount --bind "$WORK/dr" "$DR_RO" 2>/dev/null && mount -o remount,bind,ro "$DR_RO"; then
  DR="$DR_RO"; WARN="repository $DR_RO is read-only (Read-only file system): reading without a lock"
else
  note "(mount not permitted: the replica stays writable)"
fi
drst() { aspg env STRATA_CONFIG="$CONFIG" "$PG_STRATA" --repo "$DR" --key-file "$WORK/drkey" "$@"; }
drst pg info --stanza main >"$WORK/info.out" || fail "pg info on the replica failed"
expect_in "$WORK/info.out" "recoverable window"
R5="$WORK/r5"; P5=$(free_port)
drst pg restore --stanza main --pgdata "$R5" --archive-mode off --target-time "$T" --target-action promote \
  >"$WORK/restore.out" 2>"$WORK/restore.err" || { cat "$WORK/restore.err" >&2; fail "pg restore from the replica failed"; }
[ -z "$WARN" ] || expect_in "$WORK/restore.err" "$WARN"
echo "port = $P5" >>"$R5/postgresql.auto.conf"
pg_start "$R5"
pg_wait_recovered "$P5"
GOT=$(psql_at "$P5" -c "select count(*) || ':' || coalesce(max(id), 0) from t")
[ "$GOT" = "$EXPECT_T" ] || fail "restore to $T from the replica: got rows:max $GOT, expected $EXPECT_T"
pg_stop "$R5"
unmount_dr_ro
mv "$WORK/repo.gone" "$WORK/repo"

note "restore to the end of the archive"
R4="$WORK/r4"; P4=$(free_port)
pg_restore_and_start "$R4" "$P4"
[ "$(psql_at "$P4" -c "select count(*) from t")" = "$(psql_at "$PPORT" -c "select count(*) from t")" ] || fail "latest restore lost rows"
pg_stop "$R4"
echo "test_pg_pitr: ok"
