# Full -> incr -> diff -> incr (from a streaming standby) after pgbench workloads,
# with a real PostgreSQL 15 primary and standby: each backup restored on its own
# (--set, --target immediate) must give a cluster whose table checksums match
# the source at backup time; diff/incr read only what changed since their prior.
source "$(dirname "$0")/lib.sh"
source "$TESTS_DIR/pg_lib.sh"

pg_setup_primary
SPORT=$(free_port); STANDBY="$WORK/standby"
pgbench -h 127.0.0.1 -p "$PPORT" -U postgres -i -s 3 -q postgres >/dev/null 2>&1
pg_make_standby "$PPORT" "$STANDBY" "$SPORT"

sums() {  # table checksums of the pgbench tables on a port
  psql_at "$1" -c "select 'a:' || md5(string_agg(a::text, ',' order by aid)) from pgbench_accounts a" \
               -c "select 'b:' || md5(string_agg(b::text, ',' order by bid)) from pgbench_branches b" \
               -c "select 't:' || md5(string_agg(t::text, ',' order by tid)) from pgbench_tellers t" \
               -c "select 'h:' || md5(coalesce(string_agg(h::text, ',' order by h::text), '')) from pgbench_history h"
}
workload() { pgbench -h 127.0.0.1 -p "$PPORT" -U postgres -T 2 -c 2 -n postgres >/dev/null 2>&1; }
backup() {  # backup TYPE [args]: prints the snapshot id
  pgst pg backup --stanza main --type "$@" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["snapshot_id"])'
}

note "full"
FULL=$(backup full); sums "$PPORT" >"$WORK/sum.full"
workload
note "incr"
INCR=$(backup incr); sums "$PPORT" >"$WORK/sum.incr"
workload
note "diff"
DIFF=$(backup diff); sums "$PPORT" >"$WORK/sum.diff"
workload
note "incr from the standby"
LSN=$(psql_at "$PPORT" -c "select pg_current_wal_lsn()")
end=$((SECONDS + 60))
until [ "$(psql_at "$SPORT" -c "select pg_last_wal_replay_lsn() >= '$LSN'")" = t ]; do
  [ "$SECONDS" -lt "$end" ] || fail "standby did not catch up"; sleep 0.1
done
SINCR=$(backup incr --from-standby --standby-host 127.0.0.1 --standby-port "$SPORT" --standby-pgdata "$STANDBY")
sums "$PPORT" >"$WORK/sum.sincr"
pg_wait_archived "$PPORT"

pgst pg info --stanza main --json >"$WORK/info.json"
python3 - "$WORK/info.json" "$FULL" "$INCR" "$DIFF" "$SINCR" <<'P'
import json, sys
info = json.load(open(sys.argv[1])); full, incr, diff, sincr = sys.argv[2:]
b = {x["snapshot_id"]: x for x in info["backups"]}
assert b[full]["type"] == "full" and b[full]["prior"] == "", b[full]
assert b[incr]["type"] == "incr" and b[incr]["prior"] == full, b[incr]
assert b[diff]["type"] == "diff" and b[diff]["prior"] == full, "diff must be against the last full"
assert b[sincr]["type"] == "incr" and b[sincr]["prior"] == diff, "incr must be against the last backup"
assert b[incr]["bytes_added"] < b[full]["bytes_added"], "incr stored as much as the full"
P

n=0
for pair in "full:$FULL" "incr:$INCR" "diff:$DIFF" "sincr:$SINCR"; do
  name=${pair%%:*}; id=${pair#*:}; n=$((n + 1))
  note "restore $name backup ${id:0:8}"
  dir="$WORK/r$n"; port=$(free_port)
  pg_restore_and_start "$dir" "$port" --set "${id:0:12}" --target immediate --target-action promote
  sums "$port" >"$WORK/got.$name"
  diff "$WORK/sum.$name" "$WORK/got.$name" >&2 || fail "$name backup restores to different table contents"
  pg_stop "$dir"
done
echo "test_pg_chain: ok"
