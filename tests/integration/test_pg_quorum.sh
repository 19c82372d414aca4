#!/usr/bin/env bash
# WAL archived to several repositories at once (archive_to + wal_quorum in
# strata.yaml): a segment counts as archived only when the quorum holds it; one
# repository away does not stop archiving with quorum 2 of 3, two away do (and
# PostgreSQL keeps the segments until they are back); `strata replicate` fills
# the gaps; a restore from a replica alone reaches the newest row.
# usage: bash test_pg_quorum.sh /path/to/strata
source "$(dirname "$0")/lib.sh"
source "$TESTS_DIR/pg_lib.sh"
pg_prepare_workdir
aspg "$PG_STRATA" init --repo "$WORK/repo" --generate-key-file "$WORK/key" --quiet
aspg "$PG_STRATA" init --repo "$WORK/dr" --generate-key-file "$WORK/drkey" --quiet
aspg "$PG_STRATA" init --repo "$WORK/far" --generate-key-file "$WORK/farkey" --quiet
PRIMARY="$WORK/primary"; PPORT=$(free_port); CONFIG="$WORK/strata.yaml"
cat >"$CONFIG" <<Y
repository: $WORK/repo
key_file: $WORK/key
replicas:
  - name: dr
    repository: $WORK/dr
    key_file: $WORK/drkey
  - name: far
    repository: $WORK/far
    key_file: $WORK/farkey
postgres:
  stanzas:
    main:
      pgdata: $PRIMARY
      host: 127.0.0.1
      port: $PPORT
      user: postgres
      archive_to: [dr, far]
      wal_quorum: 2
Y
chmod 644 "$CONFIG"
pg_init "$PRIMARY" "$PPORT" "archive_mode = on" \
  "archive_command = '$PG_STRATA pg wal-push --config $CONFIG --stanza main %p'"
pg_start "$PRIMARY"
pgst pg stanza-create --stanza main --quiet
unset STRATA_REPOSITORY
wal_count() { aspg "$PG_STRATA" --repo "$1" --key-file "$2" pg info --stanza main --json |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["wal"]["segments"])'; }
failed() { psql_at "$PPORT" -c "select failed_count from pg_stat_archiver"; }
missed_lines() { grep -c "is held by 1 of 3 repositories, quorum is 2" "$PRIMARY.log" || true; }
# expect_quorum_missed WHAT LINES_BEFORE: PostgreSQL counts an archive failure after
# F0 and its log gains a line saying the quorum was missed (more than LINES_BEFORE).
expect_quorum_missed() {
  local what=$1 before=$2 end=$((SECONDS + 30))
  until [ "$(failed)" -gt "$F0" ]; do
    [ "$SECONDS" -lt "$end" ] || { tail -n 20 "$PRIMARY.log" ${SPOOL:+"$SPOOL/pusher.log"} >&2 || true; fail "$what did not fail below the quorum"; }
    sleep 0.2
  done
  until [ "$(missed_lines)" -gt "$before" ]; do
    [ "$SECONDS" -lt "$end" ] || fail "the server log does not say the quorum was missed ($what)"; sleep 0.2
  done
}

note "every repository receives each segment"
psql_at "$PPORT" -c "create table t (id int primary key, pad text)"
psql_at "$PPORT" -c "insert into t select g, 'a' from generate_series(1, 1000) g"
pg_wait_archived "$PPORT"
pgst pg backup --stanza main --type full --quiet
for r in repo dr far; do
  pgst --repo "$WORK/$r" --key-file "$WORK/$([ $r = repo ] && echo key || echo ${r}key)" pg verify --stanza main >/dev/null ||
    fail "pg verify of $r"
done
pgst repo status --json >"$WORK/st.json"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if all(r["missing_records"] == 0 for r in d["replicas"]) else 1)' "$WORK/st.json" ||
  { cat "$WORK/st.json" >&2; fail "WAL missing in a replica although wal-push wrote to all"; }

note "one repository away: 2 of 3 still make the quorum"
mv "$WORK/far" "$WORK/far.away"
F0=$(failed)
psql_at "$PPORT" -c "insert into t select g, 'b' from generate_series(1001, 2000) g"
pg_wait_archived "$PPORT"
[ "$(failed)" = "$F0" ] || fail "archiving failed although the quorum was reachable"
grep -q "archived in 2 of 3 repositories (quorum 2)" "$PRIMARY.log" || fail "no warning about the missing repository"

note "two away: below the quorum, archiving stops, nothing is lost"
mv "$WORK/dr" "$WORK/dr.away"
M0=$(missed_lines)
psql_at "$PPORT" -c "insert into t select g, 'c' from generate_series(2001, 3000) g"
psql_at "$PPORT" -c "select pg_switch_wal()" >/dev/null
expect_quorum_missed "archiving" "$M0"
mv "$WORK/dr.away" "$WORK/dr"
pg_wait_archived "$PPORT"
mv "$WORK/far.away" "$WORK/far"

note "replicate fills what far missed; far alone restores to the newest row"
pgst repo status >"$WORK/st.out"
expect_in "$WORK/st.out" "far  $WORK/far: behind"
pgst replicate --quiet
pgst repo status >"$WORK/st.out"
expect_in "$WORK/st.out" "far  $WORK/far: in sync"
pgst --repo "$WORK/far" --key-file "$WORK/farkey" pg verify --stanza main >/dev/null
psql_at "$PPORT" -c "insert into t values (9999, 'last')"
pg_wait_archived "$PPORT"
R="$WORK/restored"; RP=$(free_port)
aspg env STRATA_CONFIG="$CONFIG" "$PG_STRATA" --repo "$WORK/far" --key-file "$WORK/farkey" \
  pg restore --stanza main --pgdata "$R" --archive-mode off >"$WORK/restore.out"
echo "port = $RP" >>"$R/postgresql.auto.conf"
pg_start "$R"
pg_wait_recovered "$RP"
[ "$(psql_at "$RP" -c "select count(*) from t")" = 3001 ] || fail "the restore from far lost rows"
pg_stop "$R"

note "async archiving (--async): a segment is acknowledged only when the quorum holds it"
SPOOL="$WORK/spool"
psql_at "$PPORT" -c "alter system set archive_command = '$PG_STRATA pg wal-push --config $CONFIG --stanza main --async --spool $SPOOL %p'" >/dev/null
psql_at "$PPORT" -c "select pg_reload_conf()" >/dev/null
mv "$WORK/far" "$WORK/far.away"
F0=$(failed)
DR0=$(wal_count "$WORK/dr" "$WORK/drkey")
for i in 1 2 3; do
  psql_at "$PPORT" -c "insert into t select g, 'd' from generate_series($((i * 10000)), $((i * 10000 + 500))) g"
  psql_at "$PPORT" -c "select pg_switch_wal()" >/dev/null
done
pg_wait_archived "$PPORT"
[ "$(failed)" = "$F0" ] || fail "async archiving failed although the quorum was reachable"
grep -q "archived in 2 of 3 repositories (quorum 2)" "$SPOOL/pusher.log" || fail "the async pusher did not warn about far"
[ "$(wal_count "$WORK/dr" "$WORK/drkey")" -ge $((DR0 + 3)) ] || fail "the async pusher did not write to dr"
mv "$WORK/dr" "$WORK/dr.away"
M0=$(missed_lines)
psql_at "$PPORT" -c "insert into t values (50000, 'below quorum')"
psql_at "$PPORT" -c "select pg_switch_wal()" >/dev/null
expect_quorum_missed "async archiving" "$M0"
mv "$WORK/dr.away" "$WORK/dr"
pg_wait_archived "$PPORT"
mv "$WORK/far.away" "$WORK/far"
pgst replicate --quiet
pgst repo status >"$WORK/st.out"
expect_in "$WORK/st.out" "far  $WORK/far: in sync"
expect_in "$WORK/st.out" "dr  $WORK/dr: in sync"
for r in dr far; do pgst --repo "$WORK/$r" --key-file "$WORK/${r}key" pg verify --stanza main >/dev/null || fail "pg verify of $r"; done

note "a conflicting segment in one repository is never outvoted"
SEG=$(psql_at "$PPORT" -c "select pg_walfile_name(pg_current_wal_lsn())")
pg_wait_archived "$PPORT"
mkdir -p "$WORK/other"; cp "$PRIMARY/pg_wal/$SEG" "$WORK/other/$SEG"
printf 'X' | dd of="$WORK/other/$SEG" bs=1 seek=200000 conv=notrunc status=none
chmod -R a+rX "$WORK/other"
expect_exit 17 pgst pg wal-push --stanza main "$WORK/other/$SEG"
expect_in "$WORK/err" "already archived with different content"
echo "PASS: $(basename "$0")" >&2
