#!/usr/bin/env bash
# Storage tiers on S3 (Ceph radosgw with STANDARD_IA, GLACIER and DEEP_ARCHIVE
# placement classes): `tier apply` moves packs by the age of their newest
# snapshot (dry run first), metadata stays STANDARD, `restore --plan` and
# `stats --by-tier` report per class, data stays readable and verified after
# the move, and a local repository is refused with a clear message.
# usage: bash test_s3_tiers.sh /path/to/strata
source "$(dirname "$0")/lib.sh"
source "$TESTS_DIR/../servers/s3.sh"
s3_start_radosgw
export AWS_ACCESS_KEY_ID="$S3_ACCESS_KEY" AWS_SECRET_ACCESS_KEY="$S3_SECRET_KEY" AWS_REGION="$S3_REGION"
export STRATA_CACHE_DIR="$WORK/cache" STRATA_REPOSITORY="s3:$S3_ENDPOINT/tiers/repo"
cat >"$WORK/strata.yaml" <<Y
lifecycle:
  datasets:
    new: {warm_after: 400d, cold_after: 500d, archive_after: 600d}
  prices:
    GLACIER: {retrieval_hours: 5}
Y
export STRATA_CONFIG="$WORK/strata.yaml"
st() { "$STRATA" --key-file "$KEYFILE" "$@"; }
classes() {  # counts of storage classes of the objects under PREFIX
  s3_list_keys tiers "repo/$1" | while read -r k; do s3_storage_class tiers "$k"; done | sort | uniq -c | awk '{print $2"="$1}' | tr '\n' ' '
}
init_repo
mkdir -p "$WORK/a" "$WORK/b"
head -c 30000000 /dev/urandom >"$WORK/a/old.bin"
head -c 30000000 /dev/urandom >"$WORK/b/new.bin"
# 120 days old with the default thresholds (cold after 90 d): GLACIER; the "new"
# dataset's own thresholds keep it hot.
st backup "$WORK/a" --dataset old --quiet --time "$(date -u -d '120 days ago' +%Y-%m-%dT%H:%M:%SZ)"
st backup "$WORK/b" --dataset new --quiet
OLD=$(st snapshots --json | python3 -c 'import json,sys; print([s["id"] for s in json.load(sys.stdin) if s["dataset"]=="old"][0])')
NEW=$(st snapshots --json | python3 -c 'import json,sys; print([s["id"] for s in json.load(sys.stdin) if s["dataset"]=="new"][0])')

note "dry run: says what would move, moves nothing"
st tier apply --dry-run >"$WORK/out"
expect_in "$WORK/out" "would move"
expect_in "$WORK/out" "STANDARD -> GLACIER"
case "$(classes data/)" in *GLACIER*) fail "the dry run moved packs" ;; esac

note "apply: the old dataset's packs go cold, the new ones and all metadata stay hot"
st tier apply >"$WORK/out"
expect_in "$WORK/out" "moved"
c=$(classes data/); note "pack classes: $c"
case "$c" in *GLACIER=*) ;; *) fail "no pack moved to GLACIER: $c" ;; esac
case "$c" in *STANDARD=*) ;; *) fail "the new snapshot's packs left STANDARD: $c" ;; esac
for p in snapshots/ index/ keys/; do
  [ "$(classes "$p" | tr -d ' ')" = "STANDARD=$(s3_list_keys tiers "repo/$p" | wc -l)" ] || fail "$p is not all STANDARD: $(classes "$p")"
done
st tier apply >"$WORK/out"
expect_in "$WORK/out" "every pack is in the class its age calls for"

note "restore --plan: per class, with the archive wait; nothing read"
st restore "$OLD" --plan >"$WORK/plan"
expect_in "$WORK/plan" "GLACIER"
expect_in "$WORK/plan" "restore request first"
expect_in "$WORK/plan" "about 5 h"
st restore "$NEW" --plan --json >"$WORK/plan.json"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if list(d["classes"]) == ["STANDARD"] and d["wait_hours"] == 0 else 1)' "$WORK/plan.json" ||
  { cat "$WORK/plan.json" >&2; fail "the new snapshot's plan should be STANDARD only"; }

note "stats --by-tier: bytes and cost per class and dataset"
st stats --by-tier --json >"$WORK/stats.json"
python3 - "$WORK/stats.json" <<'PY' || { cat "$WORK/stats.json" >&2; fail "stats --by-tier"; }
import json, sys
d = json.load(open(sys.argv[1]))
assert d["classes"]["GLACIER"]["bytes"] > 25_000_000, d
assert d["classes"]["STANDARD"]["bytes"] > 25_000_000, d
assert "GLACIER" in d["datasets"]["old"] and "STANDARD" in d["datasets"]["new"], d
assert d["monthly_cost_usd"] > 0
PY
st stats --by-tier >"$WORK/out"
expect_in "$WORK/out" "USD/month"

note "moved packs keep their content and checksum"
st check --read-data >/dev/null
st restore "$OLD" --target "$WORK/r" --quiet
cmp "$WORK/a/old.bin" "$WORK/r$WORK/a/old.bin" || fail "restore after tiering differs"

note "an archived pack used again by a new snapshot stays archived and is reported"
st backup "$WORK/a" --dataset new --quiet
st tier apply >"$WORK/out"
expect_in "$WORK/out" "archived pack(s) are used by newer snapshots"

note "a local repository has no storage classes"
"$STRATA" init --repo "$WORK/local" --key-file "$KEYFILE" --quiet
expect_exit 2 "$STRATA" --repo "$WORK/local" --key-file "$KEYFILE" tier apply
expect_in "$WORK/err" "lifecycle.directories"
echo "PASS: $(basename "$0")" >&2
