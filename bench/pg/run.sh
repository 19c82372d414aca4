#!/usr/bin/env bash
# `make bench-pg`: Strata's PostgreSQL commands side by side with pgBackRest on one
# PostgreSQL 15 primary (pgbench database), in one run; reports wall times, CPU,
# repository sizes and the ratios pgBackRest / Strata (> 1: Strata is faster or smaller).
# Usage: bench/pg/run.sh [path/to/strata]; knobs: see docs/benchmarks.md, "PostgreSQL".
# The bench only reports: slow results never fail it. It exits non-zero only when a
# command of either tool (or the set-up) failed; the table is printed either way.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
STRATA=$(readlink -f "${1:-$ROOT/build/strata}")
[ -x "$STRATA" ] || { echo "bench-pg: $STRATA is not an executable (build it first)" >&2; exit 2; }
PGBACKREST=$(command -v pgbackrest || true)
[ -n "$PGBACKREST" ] || { echo "bench-pg: pgbackrest not installed (scripts/install-deps.sh --bench-pg)" >&2; exit 2; }
TIME=/usr/bin/time
[ -x "$TIME" ] || { echo "bench-pg: $TIME missing (Debian package time)" >&2; exit 2; }

SCALE=${PG_BENCH_SCALE:-150}
RUNS=${PG_BENCH_RUNS:-1}
WORKLOAD_S=${PG_BENCH_WORKLOAD_S:-30}
CLIENTS=${PG_BENCH_CLIENTS:-4}
WAL_SEGMENTS=${PG_BENCH_WAL_SEGMENTS:-64}
WAL_RUNS=${PG_BENCH_WAL_RUNS:-3}
VERIFY=${PG_BENCH_VERIFY:-1}
PGBR_CIPHER=${PG_BENCH_PGBR_CIPHER:-none}          # none | aes-256-cbc
PGBR_CHECKSUM_PAGE=${PG_BENCH_PGBR_CHECKSUM_PAGE:-y}   # Strata validates page checksums too
OUT=${PG_BENCH_OUT:-$ROOT/bench/out}
KEEP=${PG_BENCH_KEEP:-0}
mkdir -p "$OUT"; OUT=$(cd "$OUT" && pwd)
mkdir -p "${PG_BENCH_DIR:-/tmp}"
WORK=$(mktemp -d "${PG_BENCH_DIR:-/tmp}/strata-bench-pg.XXXXXX")
export WORK STRATA
LOG=$WORK/bench.log
MEAS=$WORK/measurements.tsv    # row run tool wall user sys maxrss_kib rc
FACTS=$WORK/facts.tsv          # key value
: >"$MEAS"; : >"$FACTS"

# shellcheck source=../../tests/servers/postgres.sh disable=SC1091
source "$ROOT/tests/servers/postgres.sh"
if [ "$(id -u)" = 0 ]; then ASPG=(runuser -u postgres --); else ASPG=(); fi

BG_PIDS=()
FAILED=0
cleanup() {
  local rc=$? p
  for p in "${BG_PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null; done
  pg_servers_cleanup
  cp "$LOG" "$OUT/pg-bench.log" 2>/dev/null || true
  if [ "$KEEP" = 1 ]; then echo "bench-pg: work directory kept: $WORK" >&2; else rm -rf "$WORK"; fi
  return "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

note() { printf '[bench-pg %s] %s\n' "$(date +%T)" "$*" >&2; }
fact() { printf '%s\t%s\n' "$1" "$2" >>"$FACTS"; }
die() { echo "bench-pg: $*" >&2; [ -f "$LOG" ] && tail -20 "$LOG" >&2; exit 1; }

# timed ROW RUN TOOL CMD...: runs CMD as the server's user, records wall, CPU (user +
# system of the command and its children) and peak RSS; a failure is recorded, not fatal.
timed() {
  local row=$1 run=$2 tool=$3; shift 3
  local tf=$WORK/time.$$ t0 t1 rc=0
  echo "=== $row run $run $tool: $*" >>"$LOG"
  t0=$(date +%s.%N)
  (cd / && "$TIME" -o "$tf" -f '%U %S %M' "${ASPG[@]}" "$@") >>"$LOG" 2>&1 || rc=$?
  t1=$(date +%s.%N)
  local cpu; cpu=$(tail -1 "$tf" 2>/dev/null || echo "0 0 0")
  case "$cpu" in *[!0-9.\ ]*) cpu="0 0 0" ;; esac
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$row" "$run" "$tool" \
    "$(python3 -c "print(f'{$t1 - $t0:.3f}')")" "${cpu// /$'\t'}" "$rc" >>"$MEAS"
  if [ "$rc" -ne 0 ]; then
    FAILED=1
    note "FAILED ($rc): $tool $row run $run — last lines of the log:"
    grep -v '^===' "$LOG" | tail -8 >&2
  fi
  return 0
}

psql1() { psql_at "$PORT" "$@"; }

# set_archive CMD: ALTER SYSTEM archive_command + reload; waits until the archiver
# has had the time to re-read its configuration (it does so before every file).
set_archive() {
  psql1 -c "ALTER SYSTEM SET archive_command = \$cmd\$$1\$cmd\$" -c "select pg_reload_conf()" >/dev/null
  sleep 1
}
# drain: until no segment waits for archiving (.ready in archive_status), 600 s at most.
drain() {
  local end=$((SECONDS + 600))
  while compgen -G "$PGDATA/pg_wal/archive_status/*.ready" >/dev/null; do
    [ "$SECONDS" -lt "$end" ] || { psql1 -c "select * from pg_stat_archiver" >&2; die "WAL archiving backlog not drained after 600 s"; }
    sleep 0.2
  done
}
# quiesce: every WAL byte written so far archived by the current (both-tools) command.
quiesce() { psql1 -c "select pg_switch_wal()" >/dev/null; sleep 0.3; drain; }

# phase TOOL: archive_command of TOOL only (strata | pgbackrest | both | pool | none).
phase() {
  local i=${2:-}
  case "$1" in
    strata)     set_archive "$PG_STRATA pg wal-push --config $WORK/s$i/strata.yaml --stanza main %p" ;;
    pgbackrest) set_archive "$PGBACKREST --config=$WORK/b$i/pgbackrest.conf --stanza=main archive-push %p" ;;
    both)       set_archive "$WORK/bin/archive-both.sh $i %p" ;;
    pool)       set_archive "$WORK/bin/archive-pool.sh %p %f" ;;
    none)       set_archive "/bin/true" ;;
  esac
}

# ---------------------------------------------------------------- set-up
note "work directory $WORK; scale $SCALE, runs $RUNS, workload pgbench -T $WORKLOAD_S -c $CLIENTS"
pg_prepare_workdir           # copies strata to $WORK/bin/strata (PG_STRATA), chowns $WORK
PGDATA=$WORK/primary; PORT=$(free_port)
pg_init "$PGDATA" "$PORT" "archive_mode = on" "archive_command = '/bin/true'" \
  "max_wal_size = 4GB" "checkpoint_timeout = 30min" "shared_buffers = 256MB" \
  >>"$LOG" 2>&1 || die "initdb failed"
pg_start "$PGDATA" || die "PostgreSQL did not start"
fact pg_version "$(psql1 -c 'show server_version')"
fact loadavg_start "$(cut -d' ' -f1-3 /proc/loadavg)"

# archive-both.sh RUN %p: both tools in sequence (used only outside the timed phases, so
# that WAL written by the shared workload reaches both repositories); non-zero if either fails.
cat >"$WORK/bin/archive-both.sh" <<EOF
#!/bin/sh
"$PG_STRATA" pg wal-push --config "$WORK/s\$1/strata.yaml" --stanza main "\$2" || exit 1
"$PGBACKREST" --config="$WORK/b\$1/pgbackrest.conf" --stanza=main archive-push "\$2" || exit 1
EOF
# archive-pool.sh %p %f: keeps a copy of every segment for the wal-push row.
cat >"$WORK/bin/archive-pool.sh" <<EOF
#!/bin/sh
cp "\$1" "$WORK/pool/\$2.tmp" && mv "$WORK/pool/\$2.tmp" "$WORK/pool/\$2"
EOF
chmod 755 "$WORK/bin/"*.sh; mkdir -p "$WORK/pool"
[ "$(id -u)" = 0 ] && chown -R postgres: "$WORK/bin" "$WORK/pool"

note "pgbench -i -s $SCALE (archiving off: WAL before the first backup is of no use to either tool)"
t0=$SECONDS
pgbench -h 127.0.0.1 -p "$PORT" -U postgres -i -s "$SCALE" -q postgres >>"$LOG" 2>&1 || die "pgbench -i failed"
psql1 -c "checkpoint" >/dev/null
fact init_s $((SECONDS - t0))
fact db_bytes "$(psql1 -c 'select pg_database_size(current_database())')"
fact pgdata_bytes "$(du -sb --exclude=pg_wal "$PGDATA" | cut -f1)"
note "database $(( $(psql1 -c 'select pg_database_size(current_database())') / 1048576 )) MiB"

# make_repos RUN: a fresh Strata repository + stanza and a fresh pgBackRest repository + stanza.
make_repos() {
  local i=$1 s=$WORK/s$1 b=$WORK/b$1
  mkdir -p "$s" "$b/repo" "$b/log" "$b/lock" "$b/spool"
  cat >"$s/strata.yaml" <<Y
repository: $s/repo
key_file: $s/key
postgres:
  stanzas:
    main:
      pgdata: $PGDATA
      host: 127.0.0.1
      port: $PORT
      user: postgres
      archive_timeout: 300
Y
  {
    echo "[global]"
    echo "repo1-path=$b/repo"
    echo "repo1-retention-full=9999"
    if [ "$PGBR_CIPHER" != none ]; then
      echo "repo1-cipher-type=$PGBR_CIPHER"
      echo "repo1-cipher-pass=$(head -c 24 /dev/urandom | base64)"
    fi
    echo "compress-type=zst"
    echo "compress-level=3"
    echo "process-max=2"
    echo "start-fast=y"
    echo "archive-timeout=300"
    echo "checksum-page=$PGBR_CHECKSUM_PAGE"
    echo "log-path=$b/log"
    echo "lock-path=$b/lock"
    echo "spool-path=$b/spool"
    echo "log-level-console=warn"
    echo "[main]"
    echo "pg1-path=$PGDATA"
    echo "pg1-port=$PORT"
    echo "pg1-socket-path=$WORK"
    echo "pg1-user=postgres"
  } >"$b/pgbackrest.conf"
  chmod 640 "$b/pgbackrest.conf"
  [ "$(id -u)" = 0 ] && chown -R postgres: "$s" "$b"
  (cd / && "${ASPG[@]}" "$PG_STRATA" init --repo "$s/repo" --generate-key-file "$s/key" --quiet) >>"$LOG" 2>&1 \
    || die "strata init failed"
  (cd / && "${ASPG[@]}" "$PG_STRATA" pg stanza-create --config "$s/strata.yaml" --stanza main --quiet) >>"$LOG" 2>&1 \
    || die "strata pg stanza-create failed"
  (cd / && "${ASPG[@]}" "$PGBACKREST" --config="$b/pgbackrest.conf" --stanza=main stanza-create) >>"$LOG" 2>&1 \
    || die "pgbackrest stanza-create failed"
}

strata_backup() { timed "$1" "$2" strata "$PG_STRATA" pg backup --config "$WORK/s$2/strata.yaml" --stanza main --type "$3"; }
pgbr_backup() { timed "$1" "$2" pgbackrest "$PGBACKREST" --config="$WORK/b$2/pgbackrest.conf" --stanza=main backup --type="$3"; }

# backup_pair ROW RUN TYPE: both tools' backups back to back, each with only its own
# archive_command and a drained archive before it; the order alternates between runs.
backup_pair() {
  local row=$1 i=$2 type=$3 order=(strata pgbackrest) tool
  [ $((i % 2)) -eq 0 ] && order=(pgbackrest strata)
  for tool in "${order[@]}"; do
    # untimed: a checkpoint, so that neither backup's fast start checkpoint has to write
    # the buffers dirtied before it (the workload, or the other tool's backup)
    psql1 -c "checkpoint" >/dev/null
    phase both "$i"; quiesce; phase "$tool" "$i"
    note "run $i: $tool $type backup"
    if [ "$tool" = strata ]; then strata_backup "$row" "$i" "$type"; else pgbr_backup "$row" "$i" "$type"; fi
    drain
  done
  phase both "$i"
}

# restore_pair RUN: the latest backup of each tool into an empty directory (files only,
# recovery not included); then, untimed, each copy is started and checked.
restore_pair() {
  local i=$1 order=(strata pgbackrest) tool d
  [ $((i % 2)) -eq 0 ] && order=(pgbackrest strata)
  for tool in "${order[@]}"; do
    d=$WORK/restore-$tool-$i; mkdir -p "$d"; chmod 700 "$d"
    [ "$(id -u)" = 0 ] && chown postgres: "$d"
    note "run $i: $tool restore"
    if [ "$tool" = strata ]; then
      timed restore "$i" strata "$PG_STRATA" pg restore --config "$WORK/s$i/strata.yaml" --stanza main \
        --pgdata "$d" --archive-mode off
    else
      timed restore "$i" pgbackrest "$PGBACKREST" --config="$WORK/b$i/pgbackrest.conf" --stanza=main \
        --pg1-path="$d" --archive-mode=off restore
    fi
  done
}

# verify_restore TOOL RUN: starts the restored copy (recovery from its own archive),
# compares pgbench table contents with the primary at the end of the workload.
verify_restore() {
  local tool=$1 i=$2 d=$WORK/restore-$1-$2 port got
  port=$(free_port)
  { echo "port = $port"; echo "unix_socket_directories = '$WORK'"; echo "archive_mode = off"; } >>"$d/postgresql.auto.conf"
  if ! pg_start "$d" >>"$LOG" 2>&1 || ! pg_wait_recovered "$port" 600 >>"$LOG" 2>&1; then
    fact "verify_${tool}_$i" "failed: server did not start or recover (see $d.log)"
    tail -20 "$d.log" >>"$LOG" 2>&1 || true
    FAILED=1; pg_stop "$d"; return 0
  fi
  got=$(psql_at "$port" -c "$CONTENT_SQL" 2>>"$LOG" || echo error)
  pg_stop "$d"
  if [ "$got" = "$EXPECTED" ]; then fact "verify_${tool}_$i" ok
  else fact "verify_${tool}_$i" "mismatch: $got vs $EXPECTED"; FAILED=1; fi
}
CONTENT_SQL="select (select count(*) from pgbench_history) || ':' || (select sum(abalance) from pgbench_accounts) || ':' || (select sum(tbalance) from pgbench_tellers)"

repo_sizes() {
  local i=$1
  fact "size_strata_$i" "$(du -sb "$WORK/s$i/repo" | cut -f1)"
  fact "size_strata_wal_$i" "$(du -sb "$WORK/s$i/repo/records/pg/main/wal" 2>/dev/null | cut -f1 || echo 0)"
  fact "size_pgbackrest_$i" "$(du -sb "$WORK/b$i/repo" | cut -f1)"
  fact "size_pgbackrest_wal_$i" "$(du -sb "$WORK/b$i/repo/archive/main" 2>/dev/null | cut -f1 || echo 0)"
}

# ---------------------------------------------------------------- runs
for i in $(seq 1 "$RUNS"); do
  note "run $i of $RUNS: fresh repositories"
  make_repos "$i"
  backup_pair full "$i" full
  note "run $i: pgbench -T $WORKLOAD_S -c $CLIENTS (archived by both tools, untimed)"
  pgbench -h 127.0.0.1 -p "$PORT" -U postgres -n -T "$WORKLOAD_S" -c "$CLIENTS" -j 2 postgres >"$WORK/pgbench.$i.log" 2>&1 \
    || die "pgbench workload failed"
  fact "workload_tps_$i" "$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$WORK/pgbench.$i.log" | head -1)"
  EXPECTED=$(psql1 -c "$CONTENT_SQL")
  wal_before=$(psql1 -c "select pg_current_wal_lsn()")
  quiesce
  backup_pair incr "$i" incr
  fact "incr_wal_bytes_$i" "$(psql1 -c "select pg_current_wal_lsn() - '$wal_before'::pg_lsn")"
  repo_sizes "$i"
  restore_pair "$i"
  fact "restore_bytes_strata_$i" "$(du -sb "$WORK/restore-strata-$i" | cut -f1)"
  fact "restore_bytes_pgbackrest_$i" "$(du -sb "$WORK/restore-pgbackrest-$i" | cut -f1)"
  if [ "$VERIFY" = 1 ]; then
    for tool in strata pgbackrest; do note "run $i: starting the $tool copy (untimed check)"; verify_restore "$tool" "$i"; done
  fi
  rm -rf "$WORK/restore-strata-$i" "$WORK/restore-pgbackrest-$i" "$WORK/s$i/repo" "$WORK/b$i/repo"
done

# ---------------------------------------------------------------- wal-push throughput
note "wal-push: collecting $WAL_SEGMENTS segments of update WAL"
phase pool; quiesce
rows=$(psql1 -c "select count(*) from pgbench_accounts")
step=$(( rows / 20 )); [ "$step" -ge 1000 ] || step=1000
a=1; end=$((SECONDS + 900))
while [ "$(compgen -G "$WORK/pool/[0-9A-F]*" | grep -c '/[0-9A-F]\{24\}$' || true)" -le "$WAL_SEGMENTS" ]; do
  [ "$SECONDS" -lt "$end" ] || die "could not collect $WAL_SEGMENTS WAL segments in 900 s"
  psql1 -c "update pgbench_accounts set abalance = abalance + 1 where aid between $a and $((a + step - 1))" >/dev/null
  a=$((a + step)); [ "$a" -le "$rows" ] || { a=1; psql1 -c "checkpoint" >/dev/null; }
done
phase none; quiesce
mkdir -p "$WORK/stage"
SEGS=()
for f in "$WORK"/pool/*; do   # glob order is sorted; only whole segments, not .history/.backup
  n=${f##*/}; [[ $n =~ ^[0-9A-F]{24}$ ]] && [ ${#SEGS[@]} -lt "$WAL_SEGMENTS" ] && SEGS+=("$n")
done
for s in "${SEGS[@]}"; do mv "$WORK/pool/$s" "$WORK/stage/$s"; done
rm -rf "$WORK/pool"
[ "$(id -u)" = 0 ] && chown -R postgres: "$WORK/stage"
fact wal_segments "${#SEGS[@]}"
fact wal_stage_bytes "$(du -sb "$WORK/stage" | cut -f1)"
STAGED=("${SEGS[@]/#/$WORK/stage/}")
# One process per segment, in order, as PostgreSQL's archiver calls archive_command.
# shellcheck disable=SC2016  # expanded by the inner sh
PUSH_LOOP='bin=$1; shift; for f in "$@"; do "$bin" "$f" || exit 1; done'
cat >"$WORK/bin/push-strata" <<EOF
#!/bin/sh
exec "$PG_STRATA" pg wal-push --config "\$WALCFG" --stanza walbench "\$1"
EOF
cat >"$WORK/bin/push-pgbackrest" <<EOF
#!/bin/sh
exec "$PGBACKREST" --config="\$WALCFG" --stanza=walbench archive-push "\$1"
EOF
# Asynchronous archiving: both tools read the server's archive_status/*.ready
# files and push several segments at once from a background process. The
# segments sit in a pg_wal directory with .ready files, as the server leaves
# them; each call is one process, in order, renaming .ready to .done on
# success as the archiver does.
cat >"$WORK/bin/push-strata-async" <<EOF
#!/bin/sh
exec "$PG_STRATA" pg wal-push --config "\$WALCFG" --stanza walbench --async --spool "\$SPOOL" "\$1"
EOF
cat >"$WORK/bin/push-pgbackrest-async" <<EOF
#!/bin/sh
exec "$PGBACKREST" --config="\$WALCFG" --stanza=walbench --pg1-path="\${1%/pg_wal/*}" --archive-async --spool-path="\$SPOOL" --process-max=2 archive-push "\$1"
EOF
# shellcheck disable=SC2016  # expanded by the inner sh
ASYNC_LOOP='bin=$1; wal=$2; shift 2; for n in "$@"; do "$bin" "$wal/$n" || exit 1; mv "$wal/archive_status/$n.ready" "$wal/archive_status/$n.done"; done'
chmod 755 "$WORK/bin/push-strata" "$WORK/bin/push-pgbackrest" "$WORK/bin/push-strata-async" "$WORK/bin/push-pgbackrest-async"
for j in $(seq 1 "$WAL_RUNS"); do
  s=$WORK/ws$j; b=$WORK/wb$j; mkdir -p "$s" "$b/repo" "$b/log" "$b/lock" "$b/spool"
  sed "s#^repository: .*#repository: $s/repo#; s#^key_file: .*#key_file: $s/key#; s#^    main:#    walbench:#" \
    "$WORK/s1/strata.yaml" >"$s/strata.yaml"
  sed "s#^repo1-path=.*#repo1-path=$b/repo#; s#^log-path=.*#log-path=$b/log#; s#^lock-path=.*#lock-path=$b/lock#; s#^spool-path=.*#spool-path=$b/spool#; s#^\[main\]#[walbench]#" \
    "$WORK/b1/pgbackrest.conf" >"$b/pgbackrest.conf"
  [ "$(id -u)" = 0 ] && chown -R postgres: "$s" "$b"
  (cd / && "${ASPG[@]}" "$PG_STRATA" init --repo "$s/repo" --generate-key-file "$s/key" --quiet \
    && "${ASPG[@]}" "$PG_STRATA" pg stanza-create --config "$s/strata.yaml" --stanza walbench --quiet \
    && "${ASPG[@]}" "$PGBACKREST" --config="$b/pgbackrest.conf" --stanza=walbench stanza-create) >>"$LOG" 2>&1 \
    || die "wal-push set-up failed"
  order=(strata pgbackrest); [ $((j % 2)) -eq 0 ] && order=(pgbackrest strata)
  for tool in "${order[@]}"; do
    note "wal-push run $j: $tool, ${#SEGS[@]} segments"
    if [ "$tool" = strata ]; then cfg=$s/strata.yaml; else cfg=$b/pgbackrest.conf; fi
    timed wal-push "$j" "$tool" env WALCFG="$cfg" sh -c "$PUSH_LOOP" push "$WORK/bin/push-$tool" "${STAGED[@]}"
  done
  fact "wal_repo_strata_$j" "$(du -sb "$s/repo/records/pg/walbench/wal" 2>/dev/null | cut -f1 || echo 0)"
  fact "wal_repo_pgbackrest_$j" "$(du -sb "$b/repo/archive/walbench" 2>/dev/null | cut -f1 || echo 0)"
  rm -rf "$s/repo" "$b/repo"
  # The same segments again, into fresh repositories, through each tool's
  # asynchronous archiving.
  for tool in "${order[@]}"; do
    wal=$WORK/aw$j-$tool/pg_wal; mkdir -p "$wal/archive_status"
    for n in "${SEGS[@]}"; do ln "$WORK/stage/$n" "$wal/$n"; : >"$wal/archive_status/$n.ready"; done
    # pgBackRest reads the cluster's pg_control next to pg_wal.
    mkdir -p "$WORK/aw$j-$tool/global"; cp "$PGDATA/global/pg_control" "$WORK/aw$j-$tool/global/"
    spool=$WORK/spool$j-$tool; mkdir -p "$spool"
    if [ "$tool" = strata ]; then
      rm -rf "${s:?}/repo" "${s:?}/key"
      [ "$(id -u)" = 0 ] && chown -R postgres: "$s"
      (cd / && "${ASPG[@]}" "$PG_STRATA" init --repo "$s/repo" --generate-key-file "$s/key" --quiet \
        && "${ASPG[@]}" "$PG_STRATA" pg stanza-create --config "$s/strata.yaml" --stanza walbench --quiet) >>"$LOG" 2>&1 \
        || die "async wal-push set-up failed (strata)"
      cfg=$s/strata.yaml
    else
      mkdir -p "$b/repo"
      [ "$(id -u)" = 0 ] && chown -R postgres: "$b"
      (cd / && "${ASPG[@]}" "$PGBACKREST" --config="$b/pgbackrest.conf" --stanza=walbench stanza-create) >>"$LOG" 2>&1 \
        || die "async wal-push set-up failed (pgbackrest)"
      cfg=$b/pgbackrest.conf
    fi
    [ "$(id -u)" = 0 ] && chown -R postgres: "$WORK/aw$j-$tool" "$spool"
    note "wal-push --async run $j: $tool, ${#SEGS[@]} segments"
    timed wal-push-async "$j" "$tool" env WALCFG="$cfg" SPOOL="$spool" sh -c "$ASYNC_LOOP" push "$WORK/bin/push-$tool-async" "$wal" "${SEGS[@]}"
  done
  rm -rf "$s/repo" "$b/repo"
done

# ---------------------------------------------------------------- report
fact machine "$(nproc) vCPU, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
fact strata_version "$("$STRATA" --version 2>/dev/null | head -1 || echo unknown)"
fact pgbackrest_version "$("$PGBACKREST" version)"
fact date "$(date -u +%Y-%m-%dT%H:%MZ)"
fact loadavg_end "$(cut -d' ' -f1-3 /proc/loadavg)"
fact commit "$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
python3 "$HERE/report.py" "$MEAS" "$FACTS" "$OUT" \
  "scale=$SCALE runs=$RUNS workload_s=$WORKLOAD_S clients=$CLIENTS wal_runs=$WAL_RUNS cipher=$PGBR_CIPHER checksum_page=$PGBR_CHECKSUM_PAGE"
[ "$FAILED" = 0 ] || { note "some commands failed: see the table and $OUT/pg-bench.log"; exit 1; }
