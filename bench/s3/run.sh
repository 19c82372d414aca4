#!/usr/bin/env bash
# `make bench-s3`: Strata on S3 against Strata on a local repository and against
# restic on the same S3 server, in one run, on the generated data set of
# bench/gen_dataset.py (the one `make bench` uses, cached in $BENCH_DIR).
#
# Rows (each run: a fresh repository per tool, metadata caches deleted, page cache
# dropped before every timed command when that is allowed; restores into a tmpfs):
#   backup, restore             strata-local, strata-s3, restic-s3
#   incremental (warm cache)    strata-s3, restic-s3: a second backup of the unchanged
#                               data set into the same repository, cache kept
#   check                       strata-local, strata-s3, restic-s3 (--no-cache): structure
#                               and every tree, no pack data
# The S3 server is Ceph radosgw (tests/servers/s3.sh: 1 mon, 1 memstore OSD, radosgw)
# on 127.0.0.1; both tools use the bucket "bench" (strata under bench/strata, restic
# under bench/restic). memstore keeps objects in the OSD's RAM (3 GiB cap set by
# s3.sh), so the bucket is purged after every tool's run: one repository at a time.
#
# Reports wall time, MiB/s of the data set, CPU, peak RSS (/usr/bin/time %M), medians
# of BENCH_S3_RUNS runs, the ratios strata-S3 / strata-local (target >= 0.80) and
# strata-S3 / restic-S3, radosgw request counts per command, and every line strata
# printed on stderr. Writes s3-results.md, s3-results.json and s3-bench.log to
# BENCH_OUT. Only reports: exits non-zero only when a command or the set-up failed.
#
# Usage: bench/s3/run.sh [path/to/strata]
# env: BENCH_S3_SIZE MiB [1024], BENCH_S3_RUNS [3], BENCH_DIR (data set cache)
#      [/tmp/strata-bench], BENCH_S3_TMP (work directory parent) [/tmp],
#      BENCH_OUT [bench/out], BENCH_S3_VERIFY (diff every restore, untimed) [1],
#      BENCH_S3_DROP_CACHES [1], BENCH_S3_KEEP (keep the work directory) [0],
#      BENCH_S3_RESTORE_DIR (where restores go; a tmpfs, see below) [/dev/shm]
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
STRATA=$(readlink -f "${1:-$ROOT/build/strata}")
[ -x "$STRATA" ] || { echo "bench-s3: $STRATA is not an executable (build it first)" >&2; exit 2; }
RESTIC=$(command -v restic || true)
[ -n "$RESTIC" ] || { echo "bench-s3: restic not installed (scripts/install-deps.sh --bench)" >&2; exit 2; }
TIME=/usr/bin/time
[ -x "$TIME" ] || { echo "bench-s3: $TIME missing (Debian package time)" >&2; exit 2; }
command -v radosgw >/dev/null || { echo "bench-s3: radosgw not installed (scripts/install-deps.sh)" >&2; exit 2; }

SIZE=${BENCH_S3_SIZE:-1024}
RUNS=${BENCH_S3_RUNS:-3}
DATA_CACHE=${BENCH_DIR:-/tmp/strata-bench}
VERIFY=${BENCH_S3_VERIFY:-1}
DROP=${BENCH_S3_DROP_CACHES:-1}
KEEP=${BENCH_S3_KEEP:-0}
OUT=${BENCH_OUT:-$ROOT/bench/out}
mkdir -p "$OUT" "$DATA_CACHE" "${BENCH_S3_TMP:-/tmp}"; OUT=$(cd "$OUT" && pwd)
WORK=$(mktemp -d "${BENCH_S3_TMP:-/tmp}/strata-bench-s3.XXXXXX")
LOG=$WORK/bench.log
MEAS=$WORK/measurements.tsv    # row run tool wall user sys maxrss_kib rc server_cpu_s
FACTS=$WORK/facts.tsv          # key value
: >"$MEAS"; : >"$FACTS"; : >"$LOG"

# What tests/servers/s3.sh expects from tests/integration/lib.sh.
SERVER_CLEANUPS=()
fail() { echo "bench-s3: FAIL: $*" >&2; exit 1; }
note() { printf '[bench-s3 %s] %s\n' "$(date +%T)" "$*" >&2; }
# shellcheck source=../../tests/servers/s3.sh disable=SC1091
source "$ROOT/tests/servers/s3.sh"

cleanup() {
  local rc=$? f
  for f in "${SERVER_CLEANUPS[@]:-}"; do [ -n "$f" ] && { "$f" || true; }; done   # servers, by PID
  cp "$LOG" "$OUT/s3-bench.log" 2>/dev/null || true
  if [ "$KEEP" = 1 ]; then echo "bench-s3: work directory kept: $WORK (restores: ${RESTORES:-none})" >&2
  else [ -z "${RESTORES:-}" ] || rm -rf "$RESTORES"; rm -rf "$WORK"; fi
  return "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fact() { printf '%s\t%s\n' "$1" "$2" >>"$FACTS"; }
die() { echo "bench-s3: $*" >&2; tail -20 "$LOG" >&2; exit 1; }
FAILED=0

# drop_caches: the page cache, so that every timed command reads the data set from disk.
DROP_OK=0
if [ "$DROP" = 1 ] && sync && (echo 3 >/proc/sys/vm/drop_caches) 2>/dev/null; then DROP_OK=1; fi
fact drop_caches "$DROP_OK"
drop_caches() { [ "$DROP_OK" = 1 ] || return 0; sync; echo 3 >/proc/sys/vm/drop_caches; }

RGWLOG=""   # radosgw's log, once started: the requests of every timed command come from it
rgw_size() { if [ -n "$RGWLOG" ] && [ -f "$RGWLOG" ]; then stat -c %s "$RGWLOG"; else echo 0; fi; }
# rgw_slice FROM TO FILE: radosgw's access-log lines (beast, debug_rgw 1) written in
# that byte range of its log, into FILE (report.py counts them by method and status).
rgw_slice() {
  [ -n "$RGWLOG" ] || return 0
  tail -c "+$(($1 + 1))" "$RGWLOG" | head -c "$(($2 - $1))" | { grep ' beast: ' || true; } >"$3"
}

# server_ticks: CPU clock ticks (user + system) radosgw and the OSD used so far; the
# server shares the machine's cores with the tool measured.
server_ticks() {
  local p t=0 f
  for p in "${S3_RGW_PID:-}" "${S3_OSD_PID:-}"; do
    [ -n "$p" ] && [ -r "/proc/$p/stat" ] || continue
    f=$(sed 's/.*) //' "/proc/$p/stat")   # fields after the command name; utime, stime are 12, 13
    t=$((t + $(cut -d' ' -f12 <<<"$f") + $(cut -d' ' -f13 <<<"$f")))
  done
  echo "$t"
}
TICKS=$(getconf CLK_TCK)

# timed ROW RUN TOOL CMD...: drops the page cache, runs CMD, records wall, CPU and peak
# RSS (/usr/bin/time), the CPU radosgw + OSD used and radosgw's requests meanwhile; stderr goes to the log and to
# $WORK/err/ROW-RUN-TOOL. A failure is recorded, not fatal.
timed() {
  local row=$1 run=$2 tool=$3; shift 3
  local tf=$WORK/time.out ef="$WORK/err/$row-$run-$tool" t0 t1 rc=0 o0 o1 c0 c1
  mkdir -p "$WORK/err"
  drop_caches
  echo "=== $row run $run $tool: $*" >>"$LOG"
  o0=$(rgw_size); c0=$(server_ticks)
  t0=${EPOCHREALTIME/./}
  "$TIME" -o "$tf" -f '%U %S %M' "$@" </dev/null >>"$LOG" 2>"$ef" || rc=$?
  t1=${EPOCHREALTIME/./}
  sleep 0.2   # radosgw writes "req done" after the answer
  o1=$(rgw_size); c1=$(server_ticks)
  cat "$ef" >>"$LOG"
  local cpu; cpu=$(tail -1 "$tf" 2>/dev/null || echo "0 0 0")
  case "$cpu" in *[!0-9.\ ]*|"") cpu="0 0 0" ;; esac
  mkdir -p "$WORK/rgw"; rgw_slice "$o0" "$o1" "$WORK/rgw/$row-$run-$tool"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$row" "$run" "$tool" \
    "$(( (t1 - t0) / 1000000 )).$(printf '%06d' $(( (t1 - t0) % 1000000 )))" "${cpu// /$'\t'}" "$rc" \
    "$(( (c1 - c0) / TICKS )).$(printf '%02d' $(( (c1 - c0) * 100 / TICKS % 100 )))" >>"$MEAS"
  if [ "$rc" -ne 0 ]; then
    FAILED=1
    note "FAILED ($rc): $tool $row run $run:"
    tail -8 "$ef" >&2
  fi
  return 0
}

# verify TOOL RUN TARGET: the restored tree must equal the source (untimed).
verify() {
  [ "$VERIFY" = 1 ] || return 0
  if diff -rq --no-dereference "$SRC" "$3$SRC" >>"$LOG" 2>&1; then
    fact "verify_$1_$2" ok
  else
    fact "verify_$1_$2" DIFFERS; FAILED=1; note "restore of $1 run $2 differs from the source (see the log)"
  fi
}

# ---------------------------------------------------------------- set-up
SRC=$DATA_CACHE/data-$SIZE
if [ ! -e "$SRC/.complete" ]; then
  note "generating the $SIZE MiB data set in $SRC (bench/gen_dataset.py, cached for later runs)"
  rm -rf "$SRC"
  python3 "$ROOT/bench/gen_dataset.py" "$SRC" "$SIZE" || die "gen_dataset.py failed"
  : >"$SRC/.complete"
fi
read -r DATA_BYTES NFILES < <(find "$SRC" -type f -printf '%s\n' | awk '{s += $1; n++} END {print s, n}')
fact data_bytes "$DATA_BYTES"; fact data_files "$NFILES"; fact data_dir "$SRC"
# Restores go to a tmpfs (default /dev/shm) and are deleted right after their check: on
# this VM's ext4 (no journal) deleting 9 restored trees takes ~6 min, and a tree created
# soon after a deletion is slowed by inode allocation (see bench.py). On a disk
# (BENCH_S3_RESTORE_DIR=/some/disk/dir) they are kept until the end instead.
RBASE=${BENCH_S3_RESTORE_DIR:-/dev/shm}
if [ ! -d "$RBASE" ] || [ "$(df -P -B1 "$RBASE" | awk 'NR == 2 {print $4}')" -lt $((DATA_BYTES * 3)) ]; then
  note "$RBASE missing or too small for the restores: restoring into $WORK"; RBASE=$WORK
fi
RESTORES=$(mktemp -d "$RBASE/strata-bench-s3-restore.XXXXXX")
RESTORE_FS=$(stat -f -c %T "$RESTORES")
fact restore_dir "$RESTORES"; fact restore_fs "$RESTORE_FS"
# done_restore TARGET: deletes the restored tree at once on a tmpfs, else leaves it.
done_restore() { [ "$RESTORE_FS" != tmpfs ] || rm -rf "$1"; }
fact strata_version "$("$STRATA" --version 2>&1 | head -1)"
fact restic_version "$("$RESTIC" version 2>&1 | head -1)"
fact loadavg_start "$(cut -d' ' -f1-3 /proc/loadavg)"
note "data set $SRC: $((DATA_BYTES / 1048576)) MiB, $NFILES files; $RUNS runs; page cache drop: $([ "$DROP_OK" = 1 ] && echo yes || echo no)"

note "starting Ceph radosgw (tests/servers/s3.sh)"
s3_start_radosgw >>"$LOG" 2>&1 || die "radosgw did not start"
RGWLOG=$S3_CEPH_DIR/log/client.rgw.x.log
fact s3_start_s "$S3_START_SECONDS"
fact memstore_device_bytes "$(sed -n 's/^memstore_device_bytes = //p' "$CEPH_CONF")"
note "radosgw at $S3_ENDPOINT (started in ${S3_START_SECONDS}s)"
export AWS_ACCESS_KEY_ID=$S3_ACCESS_KEY AWS_SECRET_ACCESS_KEY=$S3_SECRET_KEY AWS_REGION=$S3_REGION
export AWS_DEFAULT_REGION=$S3_REGION RESTIC_PASSWORD=bench-password
BUCKET=bench
export STRATA_CACHE_DIR=$WORK/strata-cache RESTIC_CACHE_DIR=$WORK/restic-cache
S3_STRATA="s3:$S3_ENDPOINT/$BUCKET/strata"
S3_RESTIC="s3:$S3_ENDPOINT/$BUCKET/restic"

# bucket_stats TOOL RUN: objects and bytes in the bucket (one repository at a time).
bucket_stats() {
  local js
  js=$(timeout 60 radosgw-admin bucket stats --bucket="$BUCKET" 2>>"$LOG") || return 0
  python3 -c 'import json,sys; u=json.loads(sys.argv[1]).get("usage",{}).get("rgw.main",{}); print(u.get("num_objects",0), u.get("size",0))' "$js" |
    { read -r n b; fact "objects_$1_$2" "$n"; fact "repo_bytes_$1_$2" "$b"; }
}
# purge: deletes the bucket and all its objects at once, bypassing radosgw's garbage
# collector (whose default 2 h delay would keep the tails in the OSD's RAM).
purge() {
  timeout 300 radosgw-admin bucket rm --bucket="$BUCKET" --purge-objects --bypass-gc >>"$LOG" 2>&1 || true
}
osd_rss() { fact "osd_rss_kib_$1" "$(ps -o rss= -p "$S3_OSD_PID" 2>/dev/null | tr -d ' ')"; }

# ---------------------------------------------------------------- runs
for ((r = 1; r <= RUNS; r++)); do
  # strata, local repository
  note "run $r/$RUNS: strata-local"
  rm -rf "$WORK/local" "$STRATA_CACHE_DIR"; mkdir -p "$WORK/local"
  "$STRATA" init --repo "$WORK/local/repo" --generate-key-file "$WORK/local/key" --quiet >>"$LOG" 2>&1 ||
    die "strata init (local) failed"
  timed backup "$r" strata-local "$STRATA" --repo "$WORK/local/repo" --key-file "$WORK/local/key" backup "$SRC" --quiet
  fact "repo_bytes_strata-local_$r" "$(du -sb "$WORK/local/repo" | cut -f1)"
  fact "objects_strata-local_$r" "$(find "$WORK/local/repo" -type f | wc -l)"
  timed check "$r" strata-local "$STRATA" --repo "$WORK/local/repo" --key-file "$WORK/local/key" check --quiet
  T=$RESTORES/$r-strata-local
  timed restore "$r" strata-local "$STRATA" --repo "$WORK/local/repo" --key-file "$WORK/local/key" restore latest --target "$T" --quiet
  verify strata-local "$r" "$T"
  done_restore "$T"
  rm -rf "$WORK/local"

  # strata, S3
  note "run $r/$RUNS: strata-s3"
  purge; rm -rf "$STRATA_CACHE_DIR" "$WORK/strata.key"
  "$STRATA" init --repo "$S3_STRATA" --generate-key-file "$WORK/strata.key" >>"$LOG" 2>&1 ||
    die "strata init ($S3_STRATA) failed"
  rm -rf "$STRATA_CACHE_DIR"   # cold
  ST=("$STRATA" --repo "$S3_STRATA" --key-file "$WORK/strata.key")
  timed backup "$r" strata-s3 "${ST[@]}" backup "$SRC" --quiet
  bucket_stats strata-s3 "$r"
  timed incremental "$r" strata-s3 "${ST[@]}" backup "$SRC" --quiet   # warm cache
  timed check "$r" strata-s3 "${ST[@]}" check --quiet   # never uses the cache: every tree is a GET
  rm -rf "$STRATA_CACHE_DIR"   # cold
  T=$RESTORES/$r-strata-s3
  timed restore "$r" strata-s3 "${ST[@]}" restore latest --target "$T" --quiet
  verify strata-s3 "$r" "$T"
  done_restore "$T"
  osd_rss "strata_$r"
  purge

  # restic, S3
  note "run $r/$RUNS: restic-s3"
  rm -rf "$RESTIC_CACHE_DIR"
  "$RESTIC" -r "$S3_RESTIC" init -q >>"$LOG" 2>&1 || die "restic init ($S3_RESTIC) failed"
  rm -rf "$RESTIC_CACHE_DIR"
  timed backup "$r" restic-s3 "$RESTIC" -r "$S3_RESTIC" backup -q "$SRC"
  bucket_stats restic-s3 "$r"
  timed incremental "$r" restic-s3 "$RESTIC" -r "$S3_RESTIC" backup -q "$SRC"
  timed check "$r" restic-s3 "$RESTIC" -r "$S3_RESTIC" check -q --no-cache
  rm -rf "$RESTIC_CACHE_DIR"
  T=$RESTORES/$r-restic-s3
  timed restore "$r" restic-s3 "$RESTIC" -r "$S3_RESTIC" restore latest --target "$T" -q
  verify restic-s3 "$r" "$T"
  done_restore "$T"
  osd_rss "restic_$r"
  purge
done
fact loadavg_end "$(cut -d' ' -f1-3 /proc/loadavg)"
fact osd_rss_kib_end "$(ps -o rss= -p "$S3_OSD_PID" 2>/dev/null | tr -d ' ')"

# ---------------------------------------------------------------- report
python3 "$HERE/report.py" "$MEAS" "$FACTS" "$WORK/err" "$WORK/rgw" "$OUT" \
  "size_mib=$SIZE runs=$RUNS endpoint=$S3_ENDPOINT" || FAILED=1
note "results: $OUT/s3-results.md, $OUT/s3-results.json; log: $OUT/s3-bench.log"
exit "$FAILED"
