#!/usr/bin/env bash
# `strata copy` between repositories: raw (shared master key, packs as stored)
# and re-encrypting, idempotent reruns, filters, a copy killed half-way and
# resumed, damaged source data refused, and the usage errors.
# usage: bash test_copy.sh /path/to/strata
source "$(dirname "$0")/lib.sh"
CMP="$TESTS_DIR/compare_trees.py"
A="$WORK/a"; B="$WORK/b"; C="$WORK/c"
sa() { "$STRATA" --repo "$A" --key-file "$WORK/ka" "$@"; }
sb() { "$STRATA" --repo "$B" --key-file "$WORK/kb" "$@"; }
sc() { "$STRATA" --repo "$C" --key-file "$WORK/kc" "$@"; }
ids() { "$@" snapshots --json | python3 -c 'import json,sys; [print(s["id"]) for s in json.load(sys.stdin)]'; }
originals() { "$@" snapshots --json | python3 -c 'import json,sys; [print(s.get("original", s["id"])) for s in json.load(sys.stdin)]' | sort; }

"$STRATA" init --repo "$A" --generate-key-file "$WORK/ka" --quiet
mkdir -p "$WORK/src"
python3 "$TESTS_DIR/make_tree.py" "$WORK/src/t" --profile bulk --size-mib 30 --seed 5 >/dev/null
sa backup "$WORK/src" --quiet
head -c 5000000 /dev/urandom >"$WORK/src/more.bin"
sa backup "$WORK/src" --quiet --dataset other
sa backup "$WORK/src" --quiet

note "raw copy into a repository sharing the master key"
"$STRATA" init --repo "$B" --generate-key-file "$WORK/kb" --copy-master-from "$A" --from-key-file "$WORK/ka" --quiet
sb copy --from "$A" --from-key-file "$WORK/ka" --all --dataset default >"$WORK/out"
expect_in "$WORK/out" "2 snapshot(s) copied"
expect_in "$WORK/out" "copied as stored (shared master key)"
[ "$(ids sb | wc -l)" = 2 ] || fail "--dataset default should copy 2 snapshots"
sb copy --from "$A" --from-key-file "$WORK/ka" --all >"$WORK/out"
expect_in "$WORK/out" "1 snapshot(s) copied, 2 already present"
[ "$(originals sb)" = "$(ids sa | sort)" ] || fail "B's copies do not name A's snapshots as originals"
sb check --read-data >/dev/null
sb restore latest --target "$WORK/rb" --quiet
python3 "$CMP" "$WORK/src" "$WORK/rb$WORK/src" >/dev/null || fail "restore from the raw copy differs"
# Raw: the packs are the same objects.
for p in $(cd "$B/data" && find . -type f | sort); do cmp -s "$A/data/$p" "$B/data/$p" || fail "pack $p differs between A and B"; done

note "re-encrypting copy into an unrelated repository, copies of copies keep the original id"
"$STRATA" init --repo "$C" --generate-key-file "$WORK/kc" --quiet
sc copy --from "$B" --from-key-file "$WORK/kb" --all >"$WORK/out"
expect_in "$WORK/out" "re-encrypted for the destination"
[ "$(originals sc)" = "$(ids sa | sort)" ] || fail "C's copies do not name A's snapshots as originals"
sc copy --from "$A" --from-key-file "$WORK/ka" --all >"$WORK/out"
expect_in "$WORK/out" "0 snapshot(s) copied, 3 already present"
sc check --read-data >/dev/null
sc restore latest --target "$WORK/rc" --quiet
python3 "$CMP" "$WORK/src" "$WORK/rc$WORK/src" >/dev/null || fail "restore from the re-encrypted copy differs"

note "a copy killed half-way leaves no snapshot; the rerun completes it"
D="$WORK/d"
"$STRATA" init --repo "$D" --generate-key-file "$WORK/kd" --quiet
head -c 120000000 /dev/urandom >"$WORK/src/big.bin"
sa backup "$WORK/src" --quiet
big=$(ids sa | tail -1)
( exec "$STRATA" --repo "$D" --key-file "$WORK/kd" --threads 1 copy --from "$A" --from-key-file "$WORK/ka" "$big" \
    >"$WORK/kill.out" 2>&1 ) & pid=$!
for _ in $(seq 200); do [ -n "$(find "$D/data" -type f 2>/dev/null | head -1)" ] && break; sleep 0.05; done
kill -9 "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true
[ "$(ids "$STRATA" --repo "$D" --key-file "$WORK/kd" | wc -l)" = 0 ] || note "(the copy finished before the kill)"
"$STRATA" --repo "$D" --key-file "$WORK/kd" unlock --quiet >/dev/null 2>&1 || true
"$STRATA" --repo "$D" --key-file "$WORK/kd" copy --from "$A" --from-key-file "$WORK/ka" "$big" >/dev/null
"$STRATA" --repo "$D" --key-file "$WORK/kd" check --read-data >/dev/null
"$STRATA" --repo "$D" --key-file "$WORK/kd" restore latest --target "$WORK/rd" --quiet
python3 "$CMP" "$WORK/src" "$WORK/rd$WORK/src" >/dev/null || fail "restore after a resumed copy differs"

note "damaged source data is never copied"
E="$WORK/e"
"$STRATA" init --repo "$E" --generate-key-file "$WORK/ke" --copy-master-from "$A" --from-key-file "$WORK/ka" --quiet
victim=$(find "$A/data" -type f -size +1M | sort | head -1)
chmod u+w "$victim"
printf 'X' | dd of="$victim" bs=1 seek=300000 conv=notrunc status=none
expect_exit 13 "$STRATA" --repo "$E" --key-file "$WORK/ke" copy --from "$A" --from-key-file "$WORK/ka" --all
expect_in "$WORK/err" "fails authentication"
"$STRATA" --repo "$E" --key-file "$WORK/ke" check >/dev/null

note "usage errors"
expect_exit 2 sb copy --from "$A" --from-key-file "$WORK/ka"
expect_exit 2 sb copy --from "$B" --all
expect_in "$WORK/err" "same repository"
expect_exit 12 sb copy --from "$A" --from-key-file "$WORK/kc" --all
expect_exit 15 sb copy --from "$A" --from-key-file "$WORK/ka" deadbeef
echo "PASS: $(basename "$0")" >&2
