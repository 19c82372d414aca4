# PostgreSQL 15 clusters for tests: throwaway primaries, streaming standbys and
# restored instances on free 127.0.0.1 ports, in directories under $WORK, run as
# the unprivileged `postgres` user when the tests run as root (initdb and
# postgres refuse root). Every server started here is stopped by its PID from
# pg_servers_cleanup, which tests/integration/lib.sh calls on exit, failed or not
# (registered in its SERVER_CLEANUPS).
# Source after lib.sh.

PGBIN=${PGBIN:-$(pg_config --bindir 2>/dev/null || echo /usr/lib/postgresql/15/bin)}
[ -x "$PGBIN/initdb" ] || PGBIN=/usr/lib/postgresql/15/bin
PG_STARTED=()   # data directories of servers started by pg_start

# Runs a command as the server's user (postgres when we are root), from /.
if [ "$(id -u)" = 0 ]; then
  PG_OS_USER=postgres
  aspg() { (cd / && runuser -u postgres -- "$@"); }
else
  PG_OS_USER=$(id -un)
  aspg() { (cd / && "$@"); }
fi

# Everything the server's user touches must be reachable by it.
pg_prepare_workdir() {
  chmod 755 "$WORK"
  mkdir -p "$WORK/bin"
  cp "$STRATA" "$WORK/bin/strata"
  chmod 755 "$WORK/bin" "$WORK/bin/strata"
  PG_STRATA="$WORK/bin/strata"
  [ "$(id -u)" = 0 ] && chown -R postgres: "$WORK"
  return 0
}

# free_port: a TCP port on 127.0.0.1 nobody listens on (tests/servers/s3.sh
# defines the same when this file is not sourced).
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# pg_init DIR PORT [postgresql.conf lines...]: a new cluster (data checksums on).
pg_init() {
  local dir=$1 port=$2; shift 2
  aspg "$PGBIN/initdb" -D "$dir" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 --data-checksums --no-sync \
    >"$dir.initdb.log" 2>&1 || { cat "$dir.initdb.log" >&2; return 1; }
  {
    echo "listen_addresses = '127.0.0.1'"
    echo "port = $port"
    echo "unix_socket_directories = '$WORK'"
    echo "wal_level = replica"
    echo "max_wal_senders = 10"
    echo "hot_standby = on"
    local line
    for line in "$@"; do echo "$line"; done
  } >>"$dir/postgresql.conf"
}

# pg_start DIR: starts the server and waits until it accepts connections.
pg_start() {
  local dir=$1
  chmod 700 "$dir"
  [ "$(id -u)" = 0 ] && chown -R postgres: "$dir"
  PG_STARTED+=("$dir")
  aspg "$PGBIN/pg_ctl" -D "$dir" -l "$dir.log" -w -t 120 start >/dev/null || { tail -30 "$dir.log" >&2; return 1; }
}

# pg_stop DIR [mode]: fast shutdown, then SIGKILL by PID if it does not go.
pg_stop() {
  local dir=$1 mode=${2:-fast} pid
  [ -f "$dir/postmaster.pid" ] || return 0
  pid=$(head -1 "$dir/postmaster.pid" 2>/dev/null || true)
  aspg "$PGBIN/pg_ctl" -D "$dir" -m "$mode" -w -t 30 stop >/dev/null 2>&1 || true
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill -9 "$pid" 2>/dev/null || true; fi
  return 0
}

# psql_at PORT SQL...: one value per line, no headers.
psql_at() { local port=$1; shift; psql -h 127.0.0.1 -p "$port" -U postgres -d postgres -XAtq -v ON_ERROR_STOP=1 "$@"; }

# pg_wait_recovered PORT [timeout]: until the server answers and is no longer in recovery.
pg_wait_recovered() {
  local port=$1 t=${2:-120} end=$((SECONDS + ${2:-120}))
  until [ "$(psql_at "$port" -c 'select pg_is_in_recovery()' 2>/dev/null)" = f ]; do
    [ "$SECONDS" -lt "$end" ] || { echo "server on port $port still in recovery after ${t}s" >&2; return 1; }
    sleep 0.2
  done
}

# pg_make_standby PRIMARY_PORT DIR PORT: a streaming standby from pg_basebackup -R.
pg_make_standby() {
  local pport=$1 dir=$2 port=$3
  aspg "$PGBIN/pg_basebackup" -h 127.0.0.1 -p "$pport" -U postgres -D "$dir" -R -X stream -c fast >/dev/null
  echo "port = $port" >>"$dir/postgresql.conf"
  echo "archive_mode = on" >>"$dir/postgresql.conf"
  pg_start "$dir"
  local end=$((SECONDS + 60))
  until [ "$(psql_at "$pport" -c "select state from pg_stat_replication" 2>/dev/null | head -1)" = streaming ]; do
    [ "$SECONDS" -lt "$end" ] || { echo "standby on port $port is not streaming" >&2; return 1; }
    sleep 0.1
  done
}

pg_servers_cleanup() {
  local d
  for d in "${PG_STARTED[@]:-}"; do [ -n "$d" ] && pg_stop "$d" immediate; done
  # Background archive workers (wal-push/wal-get --async) of this test's spools.
  pkill -9 -f -- "-worker .*--spool $WORK/" 2>/dev/null || true
  return 0
}
SERVER_CLEANUPS+=(pg_servers_cleanup)
