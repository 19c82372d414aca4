# Page checksum validation with a real PostgreSQL 15 cluster initialised with
# data checksums: a clean cluster backs up with every relation page checked
# and none reported; after bytes of one page are flipped on disk, the backup
# names that relation file and block, exits 3, and still records the backup.
source "$(dirname "$0")/lib.sh"
source "$TESTS_DIR/pg_lib.sh"

pg_setup_primary
psql_at "$PPORT" -c "create table t (id int, pad text)" \
  -c "insert into t select g, repeat(md5(g::text), 8) from generate_series(1, 5000) g" -c "checkpoint"
REL=$(psql_at "$PPORT" -c "select pg_relation_filepath('t')")

note "clean cluster: every page checked, none corrupt"
pgst pg backup --stanza main --type full --json >"$WORK/clean.json"
python3 - "$WORK/clean.json" <<'P'
import json, sys
j = json.load(open(sys.argv[1]))
assert j["checksum_pages"] > 100, j["checksum_pages"]
assert j["checksum_errors"] == [], j["checksum_errors"]
P

note "flip bytes in block 3 of $REL"
pg_stop "$PRIMARY"
printf '\xde\xad\xbe\xef' | dd of="$PRIMARY/$REL" bs=1 seek=$((3 * 8192 + 4000)) conv=notrunc status=none
pg_start "$PRIMARY"
expect_exit 3 pgst pg backup --stanza main --type full
expect_in "$WORK/err" "corrupt page: $REL block 3: checksum"
expect_in "$WORK/err" "1 page(s) that fail their checksum"
expect_in "$WORK/out" "1 corrupt"
pgst pg info --stanza main --json >"$WORK/info.json"
python3 - "$WORK/info.json" "$REL" <<'P'
import json, sys
b = json.load(open(sys.argv[1]))["backups"]
assert len(b) == 2, len(b)
assert b[-1]["checksum_errors"] and b[-1]["checksum_errors"][0].startswith(sys.argv[2] + " block 3:"), b[-1]
P
echo "test_pg_checksums: ok"
