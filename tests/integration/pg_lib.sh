# Set-up shared by the PostgreSQL integration tests: a repository owned by the
# server's user, a strata.yaml naming it and the stanza, and a primary whose
# archive_command is `strata pg wal-push`. Source after lib.sh.
# shellcheck source=../servers/postgres.sh
source "$TESTS_DIR/../servers/postgres.sh"

# pg_setup_primary [extra postgresql.conf lines...]: sets PRIMARY (data dir),
# PPORT, CONFIG (strata.yaml) and starts the primary with stanza `main` created.
pg_setup_primary() {
  pg_prepare_workdir
  export STRATA_REPOSITORY="$WORK/repo"
  aspg "$PG_STRATA" init --repo "$WORK/repo" --generate-key-file "$WORK/key" --quiet
  PRIMARY="$WORK/primary"; PPORT=$(free_port)
  CONFIG="$WORK/strata.yaml"
  cat >"$CONFIG" <<Y
repository: $WORK/repo
key_file: $WORK/key
postgres:
  stanzas:
    main:
      pgdata: $PRIMARY
      host: 127.0.0.1
      port: $PPORT
      user: postgres
      archive_timeout: 60
Y
  chmod 644 "$CONFIG"
  pg_init "$PRIMARY" "$PPORT" "archive_mode = on" \
    "archive_command = '$PG_STRATA pg wal-push --config $CONFIG --stanza main %p'" "$@"
  pg_start "$PRIMARY"
  pgst pg stanza-create --stanza main --quiet
}

# strata as the server's user, with the test's config file
pgst() { aspg env STRATA_CONFIG="$CONFIG" "$PG_STRATA" "$@"; }

# pg_wait_archived PORT: switches WAL and waits until the switched-out segment is archived.
pg_wait_archived() {
  local port=$1 seg end=$((SECONDS + 60))
  seg=$(psql_at "$port" -c "select pg_walfile_name(pg_current_wal_lsn())")
  psql_at "$port" -c "select pg_switch_wal()" >/dev/null
  until [ "$(psql_at "$port" -c "select coalesce(last_archived_wal, '') >= '$seg' from pg_stat_archiver")" = t ]; do
    [ "$SECONDS" -lt "$end" ] || { psql_at "$port" -c "select * from pg_stat_archiver" >&2; fail "segment $seg not archived"; }
    sleep 0.1
  done
}

# pg_restore_and_start DIR PORT restore-args...: restores the stanza into DIR with
# archiving off, gives it PORT and starts it; waits for it to leave recovery.
pg_restore_and_start() {
  local dir=$1 port=$2; shift 2
  pgst pg restore --stanza main --pgdata "$dir" --archive-mode off "$@" >"$WORK/restore.out"
  echo "port = $port" >>"$dir/postgresql.auto.conf"
  pg_start "$dir"
  pg_wait_recovered "$port"
}
