#!/usr/bin/env bash
# CLI behaviour of the everyday commands, checked against docs/cli.md:
# init (key file, exit 16), backup options (--tag, --dataset, --stdin, --exclude,
# --force, --json summary, incremental), snapshots/ls --json, snapshot references
# (prefix, latest), dump, diff, forget (--dry-run, --keep-last), prune,
# check --read-data, stats --json, and key slots (add, list, passwd, remove).
source "$(dirname "$0")/lib.sh"

W="$(readlink -f "$WORK")"

# Checks that do not change state run through `soft`: a failure is reported at once
# but the script goes on, so one broken feature does not hide the others; the script
# still fails at the end (finish).
DEFERRED=()
soft() { ( "$@" ) || { DEFERRED+=("$*"); echo "FAIL (continuing): $*" >&2; }; }
finish() {
  if [ "${#DEFERRED[@]}" -gt 0 ]; then
    printf 'FAILED CHECK: %s\n' "${DEFERRED[@]}" >&2
    fail "$1: ${#DEFERRED[@]} check(s) failed"
  fi
  echo "PASS $1"
}
   # canonical, so paths stored in snapshots compare exactly

# expect_fail cmd... : must exit non-zero with an orderly error (not a signal/crash).
expect_fail() {
  local rc=0
  "$@" >"$WORK/out" 2>"$WORK/err" || rc=$?
  if [ "$rc" = 0 ] || [ "$rc" -ge 124 ]; then
    echo "command: $*" >&2; echo "stdout:" >&2; head -c 3000 "$WORK/out" >&2
    echo "stderr:" >&2; head -c 3000 "$WORK/err" >&2
    fail "expected an orderly failure (exit 1..123), got $rc"
  fi
}

# mkfiles DIR NAME:SIZE[:r|t]... : random (r, default) or compressible text (t) files.
mkfiles() {
  python3 - "$@" <<'EOF'
import os, random, sys
d = sys.argv[1]
words = [b"alpha", b"beta", b"gamma", b"delta", b"strata", b"backup", b"restore", b"\n"]
for spec in sys.argv[2:]:
    name, size, kind = (spec.split(":") + ["r"])[:3]
    p = os.path.join(d, name)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    n = int(size)
    if kind == "r":
        data = os.urandom(n)
    else:
        out = bytearray()
        while len(out) < n:
            out += random.choice(words) + b" " + str(random.randrange(1000)).encode() + b" "
        data = bytes(out[:n])
    with open(p, "wb") as f:
        f.write(data)
EOF
}

# summary_of FILE : every non-empty line of FILE must be a JSON object with a
# message_type; prints the (last) summary object as compact JSON.
summary_of() {
  python3 - "$1" <<'EOF'
import json, sys
s = None
for n, line in enumerate(open(sys.argv[1]), 1):
    if not line.strip():
        continue
    try:
        o = json.loads(line)
    except Exception as e:
        sys.exit(f"backup --json: stdout line {n} is not JSON ({e}): {line[:200]!r}")
    if not isinstance(o, dict) or "message_type" not in o:
        sys.exit(f"backup --json: line {n} is not an object with message_type: {line[:200]!r}")
    if o["message_type"] == "summary":
        s = o
if s is None:
    sys.exit("backup --json: no summary line on stdout")
for k in ("snapshot_id", "files_new", "files_changed", "files_unchanged", "bytes_read",
          "bytes_added", "duration_seconds", "errors"):
    if k not in s:
        sys.exit(f"backup --json summary lacks {k}: {json.dumps(s)}")
print(json.dumps(s))
EOF
}

# jget JSON KEY : prints one field of a JSON object
jget() { python3 -c 'import json,sys; v=json.loads(sys.argv[1])[sys.argv[2]]; print(json.dumps(v) if isinstance(v,(list,dict)) else v)' "$1" "$2"; }

# snap_ids : ids of all snapshots, oldest first, one per line
snap_ids() { st snapshots --json | python3 -c 'import json,sys; [print(s["id"]) for s in json.load(sys.stdin)]'; }

# ---------------------------------------------------------------------------------
note "init: generated key file, exit 16 on an existing repository"
expect_exit 0 init_repo
[ -s "$KEYFILE" ] || fail "init --generate-key-file did not write $KEYFILE"
mode=$(stat -c %a "$KEYFILE")
[ "$mode" = 600 ] || fail "generated key file has mode $mode, expected 600"
grep -Eq '^strata-keyfile-v1 [0-9a-f]{64}$' "$KEYFILE" || fail "key file format: $(head -c 200 "$KEYFILE")"
[ -f "$STRATA_REPOSITORY/config" ] || fail "init wrote no config"
python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$STRATA_REPOSITORY/config" \
  || fail "config is not clear JSON"
[ "$(ls "$STRATA_REPOSITORY/keys" | wc -l)" = 1 ] || fail "expected exactly one key slot after init"
keysum=$(sha256sum <"$KEYFILE")
expect_exit 16 "$STRATA" init --generate-key-file "$W/key-second" --quiet
expect_in "$WORK/err" "$STRATA_REPOSITORY"
[ ! -e "$W/key-second" ] || fail "refused init (exit 16) still wrote the new key file $W/key-second"
expect_exit 16 st init --quiet
[ "$(sha256sum <"$KEYFILE")" = "$keysum" ] || fail "init on an existing repository changed the key file"
[ "$(ls "$STRATA_REPOSITORY/keys" | wc -l)" = 1 ] || fail "refused init still added a key slot"
# --generate-key-file refuses to overwrite an existing key file
expect_fail "$STRATA" --repo "$W/repo-other" init --generate-key-file "$KEYFILE" --quiet
[ "$(sha256sum <"$KEYFILE")" = "$keysum" ] || fail "init --generate-key-file overwrote an existing key file"
[ ! -e "$W/repo-other/config" ] || fail "refused init (existing key file) still created a repository"

# ---------------------------------------------------------------------------------
note "backup with --tag a --tag b --dataset web; snapshots --json"
SRC="$W/src"
mkfiles "$SRC" a.txt:2000:t b.bin:200000 sub/c.txt:5000:t sub/deep/d.dat:3000000 \
  app.log:1000:t sub/x.log:500:t skip/inner.txt:100:t
: >"$SRC/empty"
ln -s a.txt "$SRC/link"
expect_exit 0 st backup --tag a --tag b --dataset web --quiet "$SRC"
expect_exit 0 st snapshots --json
python3 - "$WORK/out" "$SRC" "$(uname -n)" <<'EOF'
import json, re, sys
s = json.load(open(sys.argv[1]))
if not isinstance(s, list) or len(s) != 1:
    sys.exit(f"snapshots --json: expected an array of 1 snapshot, got {s!r}"[:2000])
x = s[0]
def need(cond, msg):
    if not cond:
        sys.exit(f"snapshots --json: {msg}: {json.dumps(x)[:2000]}")
for k in ("id", "short_id", "time", "host", "username", "uid", "gid", "paths", "tags",
          "dataset", "parent", "tree", "summary"):
    need(k in x, f"missing field {k}")
need(isinstance(x["id"], str) and re.fullmatch(r"[0-9a-f]{64}", x["id"]), "id is not 64 hex digits")
need(isinstance(x["short_id"], str) and len(x["short_id"]) >= 4 and x["id"].startswith(x["short_id"]),
     "short_id is not a prefix of id")
need(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z", x["time"]), "time is not RFC 3339 UTC with nanoseconds")
need(x["host"] == sys.argv[3], f"host != {sys.argv[3]}")
need(x["paths"] == [sys.argv[2]], f"paths != [{sys.argv[2]}]")
need(x["tags"] == ["a", "b"], "tags != ['a','b']")
need(x["dataset"] == "web", "dataset != 'web'")
need(isinstance(x["summary"], dict) and x["summary"], "summary is not a non-empty object")
need(isinstance(x["tree"], str) and re.fullmatch(r"[0-9a-f]{64}", x["tree"]), "tree is not 64 hex")

EOF
SNAP_A=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["id"])' "$WORK/out")
expect_exit 0 st snapshots
expect_in "$WORK/out" "${SNAP_A:0:8}"
expect_in "$WORK/out" "web"

# ---------------------------------------------------------------------------------
note "ls --json, id prefix, latest, PATH argument"
expect_exit 0 st ls "$SNAP_A" --json
cp "$WORK/out" "$W/ls_a.json"
python3 - "$W/ls_a.json" "$SRC" <<'EOF'
import json, os, sys
src = sys.argv[2]
ents = {}
for n, line in enumerate(open(sys.argv[1]), 1):
    if not line.strip():
        continue
    try:
        o = json.loads(line)
    except Exception as e:
        sys.exit(f"ls --json: line {n} is not JSON ({e}): {line[:200]!r}")
    if not isinstance(o, dict):
        sys.exit(f"ls --json: line {n} is not an object")
    for k in ("path", "name", "type", "size"):
        if k not in o:
            sys.exit(f"ls --json: line {n} lacks {k}: {line[:300]}")
    ents[o["path"].lstrip("/")] = o
def get(rel):
    key = (src + ("/" + rel if rel else "")).lstrip("/")
    if key not in ents:
        sys.exit(f"ls --json: no entry for {key}; have {sorted(ents)[:30]}")
    return ents[key]
for rel in ("a.txt", "b.bin", "sub/c.txt", "sub/deep/d.dat", "app.log", "sub/x.log", "skip/inner.txt", "empty"):
    e = get(rel)
    if e["type"] != "file":
        sys.exit(f"ls --json: {rel} has type {e['type']}, expected file")
    want = os.path.getsize(os.path.join(src, rel))
    if e["size"] != want:
        sys.exit(f"ls --json: {rel} has size {e['size']}, expected {want}")
    if e["name"] != os.path.basename(rel):
        sys.exit(f"ls --json: {rel} has name {e['name']!r}")
for rel in ("", "sub", "sub/deep", "skip"):
    if get(rel)["type"] != "dir":
        sys.exit(f"ls --json: {rel or 'source root'} is not type dir")
l = get("link")
if l["type"] != "symlink" or l.get("link_target") != "a.txt":
    sys.exit(f"ls --json: link entry wrong: {l}")
EOF
# an 8-digit prefix and `latest` name the same snapshot
expect_exit 0 st ls "${SNAP_A:0:8}" --json
cmp -s "$WORK/out" "$W/ls_a.json" || fail "ls ${SNAP_A:0:8} (8-digit prefix) differs from ls with the full id"
expect_exit 0 st ls latest --json
cmp -s "$WORK/out" "$W/ls_a.json" || fail "ls latest differs from ls $SNAP_A"
expect_exit 0 st ls "${SNAP_A:0:8}"
expect_in "$WORK/out" "$SRC/sub/deep/d.dat"
# ls SNAP PATH lists only that subtree
expect_exit 0 st ls "$SNAP_A" "$SRC/sub" --json
python3 - "$WORK/out" "$SRC" <<'EOF'
import json, sys
src = sys.argv[2].lstrip("/")
paths = [json.loads(l)["path"].lstrip("/") for l in open(sys.argv[1]) if l.strip()]
if not any(p == src + "/sub/deep/d.dat" for p in paths):
    sys.exit(f"ls SNAP {src}/sub: sub/deep/d.dat missing: {paths}")
bad = [p for p in paths if not (p == src + "/sub" or p.startswith(src + "/sub/"))]
if bad:
    sys.exit(f"ls SNAP {src}/sub lists entries outside it: {bad}")
EOF

# ---------------------------------------------------------------------------------
note "dump"
for f in sub/deep/d.dat b.bin a.txt empty; do
  expect_exit 0 st dump "$SNAP_A" "$SRC/$f"
  cmp "$WORK/out" "$SRC/$f" || fail "dump $SRC/$f differs from the source"
done

# ---------------------------------------------------------------------------------
note "backup --stdin --stdin-name db.sql from a pipe"
mkfiles "$W/stdin-src" db.sql:1500000:t
expect_exit 0 st backup --stdin --stdin-name db.sql --json < <(cat "$W/stdin-src/db.sql")
S=$(summary_of "$WORK/out")
SNAP_S=$(jget "$S" snapshot_id)
expect_exit 0 st ls "$SNAP_S" --json
DBPATH=$(python3 - "$WORK/out" <<'EOF'
import json, sys
hits = [o for o in map(json.loads, filter(str.strip, open(sys.argv[1]))) if o["name"] == "db.sql"]
if len(hits) != 1 or hits[0]["type"] != "file" or hits[0]["size"] != 1500000:
    sys.exit(f"stdin snapshot: expected one file db.sql of 1500000 bytes, got {hits}")
print(hits[0]["path"])
EOF
)
expect_exit 0 st dump "$SNAP_S" "$DBPATH"
cmp "$WORK/out" "$W/stdin-src/db.sql" || fail "dump of the --stdin snapshot differs from the piped bytes"
# latest narrowed by --tag / --dataset still finds the first snapshot
[ "$DBPATH" = /db.sql ] || fail "--stdin-name db.sql should be stored as /db.sql, got $DBPATH"
# latest is the newest snapshot of any dataset: now the stdin one
expect_exit 0 st dump latest /db.sql
cmp "$WORK/out" "$W/stdin-src/db.sql" || fail "dump latest /db.sql differs from the piped bytes"

# ---------------------------------------------------------------------------------
note "--exclude"
expect_exit 0 st backup --exclude '*.log' --exclude "$SRC/skip" --json "$SRC"
S=$(summary_of "$WORK/out")
expect_exit 0 st ls "$(jget "$S" snapshot_id)" --json
python3 - "$WORK/out" "$SRC" <<'EOF'
import json, sys
src = sys.argv[2].lstrip("/")
paths = [json.loads(l)["path"].lstrip("/") for l in open(sys.argv[1]) if l.strip()]
logs = [p for p in paths if p.endswith(".log")]
if logs:
    sys.exit(f"--exclude '*.log' did not exclude {logs}")
skipped = [p for p in paths if p == src + "/skip" or p.startswith(src + "/skip/")]
if skipped:
    sys.exit(f"--exclude {src}/skip (absolute path) did not exclude {skipped}")
for rel in ("a.txt", "sub/deep/d.dat", "sub/c.txt"):
    if src + "/" + rel not in paths:
        sys.exit(f"--exclude removed too much: {rel} missing")
EOF

# ---------------------------------------------------------------------------------
note "incremental backup: unchanged files are not re-read, --force re-reads"
INC="$W/inc"
specs=()
for i in $(seq 0 19); do specs+=("d$((i % 3))/f$i.bin:$(( (i * 7919 % 300 + 1) * 1000 ))"); done
mkfiles "$INC" "${specs[@]}" big.bin:2500000 notes.txt:300000:t
NFILES=$(find "$INC" -type f | wc -l)
TOTAL=$(find "$INC" -type f -printf '%s\n' | awk '{s+=$1} END {print s}')
expect_exit 0 st backup --json "$INC"
S1=$(summary_of "$WORK/out")
[ "$(jget "$S1" files_new)" = "$NFILES" ] || fail "first backup: files_new=$(jget "$S1" files_new), expected $NFILES: $S1"
[ "$(jget "$S1" errors)" = "[]" ] || fail "first backup reported errors: $S1"
expect_exit 0 st backup --json "$INC"
S2=$(summary_of "$WORK/out")
python3 - "$S2" "$NFILES" "$TOTAL" <<'EOF'
import json, sys
s, n, total = json.loads(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
def need(c, m):
    if not c:
        sys.exit(f"second (unchanged) backup: {m}: {json.dumps(s)}")
need(s["files_unchanged"] == n, f"files_unchanged should be {n}")
need(s["files_new"] == 0 and s["files_changed"] == 0, "files_new/files_changed should be 0")
need(s["bytes_added"] < 65536, "bytes_added should be tiny (< 64 KiB)")
need(s["bytes_read"] < total / 10, f"bytes_read should be far below the tree size {total} (files not re-read)")
need(s["errors"] == [], "errors should be empty")
EOF
SNAP_INC2=$(jget "$S2" snapshot_id)
expect_exit 0 st backup --force --json "$INC"
S3=$(summary_of "$WORK/out")
python3 - "$S3" "$NFILES" "$TOTAL" <<'EOF'
import json, sys
s, n, total = json.loads(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
def need(c, m):
    if not c:
        sys.exit(f"backup --force: {m}: {json.dumps(s)}")
need(0.95 * total <= s["bytes_read"] <= 1.1 * total + 65536, f"bytes_read should be about the tree size {total}")
need(s["bytes_added"] < 65536, "bytes_added should be tiny (content already stored)")
need(s["files_new"] == 0, "files_new should be 0")
EOF
snap_ids >"$W/ids"
grep -qx "$SNAP_INC2" "$W/ids" || fail "summary snapshot_id $SNAP_INC2 not in snapshots --json"

# ---------------------------------------------------------------------------------
note "diff"
D="$W/dsrc"
mkfiles "$D" a.txt:3000:t b.bin:100000 sub/c.txt:4000:t sub/deep/d.dat:50000 keep.txt:1000:t \
  gone/x.txt:100:t tchange:200:t
expect_exit 0 st backup --json "$D"
D1=$(jget "$(summary_of "$WORK/out")" snapshot_id)
echo "appended line" >>"$D/a.txt"                               # content + size change
python3 -c 'import sys; p=sys.argv[1]; b=bytearray(open(p,"rb").read()); b[5000]^=0xff; open(p,"wb").write(b)' "$D/b.bin"  # same size
rm "$D/sub/c.txt"
echo "brand new" >"$D/new.txt"
chmod 600 "$D/sub/deep/d.dat"                                     # metadata only
rm -r "$D/gone"                                                   # removed directory
rm "$D/tchange"; mkfiles "$D" tchange/inner:100:t                 # file -> directory
expect_exit 0 st backup --json "$D"
D2=$(jget "$(summary_of "$WORK/out")" snapshot_id)
expect_exit 0 st diff "$D1" "$D2"
cp "$WORK/out" "$W/diff.txt"
expect_exit 0 st diff "$D1" "$D2" --json
cp "$WORK/out" "$W/diff.json"
python3 - "$W/diff.txt" "$W/diff.json" "$D" <<'EOF'
import json, re, sys
src = sys.argv[3].strip("/")
def rel(p):
    p = p.strip().strip("/")
    if p == src:
        return ""
    if p.startswith(src + "/"):
        return p[len(src) + 1:]
    return None  # outside the source tree (e.g. its parents)
got = set()
for line in open(sys.argv[1]):
    if not line.strip():
        continue
    sym, _, path = line.rstrip("\n").partition(" ")
    if sym not in ("+", "-", "M", "U"):
        if re.match(r"\d+ added", line):   # the closing count line
            continue
        sys.exit(f"diff: unexpected line {line!r}")
    r = rel(path)
    if r is not None:
        got.add((sym, r))
want = {("+", "new.txt"), ("-", "sub/c.txt"), ("M", "a.txt"), ("M", "b.bin"), ("U", "sub/deep/d.dat"),
        ("-", "gone"), ("-", "gone/x.txt"),                                # removed dir and below
        ("-", "tchange"), ("+", "tchange"), ("+", "tchange/inner")}        # type change
missing = want - got
if missing:
    sys.exit(f"diff: missing {sorted(missing)}; full output:\n{open(sys.argv[1]).read()}")
bad = {(s, p) for s, p in got - want if p not in ("", "sub", "sub/deep") or s not in ("M", "U")}
if bad:
    sys.exit(f"diff: unexpected entries {sorted(bad)} (keep.txt is unchanged); full output:\n{open(sys.argv[1]).read()}")
got = {p for _, p in got}
jpaths = set()
for line in open(sys.argv[2]):
    if not line.strip():
        continue
    o = json.loads(line)
    if not isinstance(o.get("path"), str) or not isinstance(o.get("change"), str):
        sys.exit(f"diff --json: line lacks path/change: {line!r}")
    r = rel(o["path"])
    if r is not None:
        jpaths.add(r)
if jpaths != set(got):
    sys.exit(f"diff --json paths {sorted(jpaths)} differ from diff paths {sorted(got)}")
EOF
expect_exit 0 st diff "$D2" "$D2"
! grep -Eq '^[-+MU] ' "$WORK/out" || fail "diff of a snapshot with itself lists changes: $(head -c 500 "$WORK/out")"

# ---------------------------------------------------------------------------------
note "stats --json"
expect_exit 0 st stats --json
cp "$WORK/out" "$W/stats.json"
: >"$W/ls_all"
NSNAP=0
for id in $(snap_ids); do st ls "$id" --json >>"$W/ls_all"; NSNAP=$((NSNAP + 1)); done
PACKBYTES=$(find "$STRATA_REPOSITORY/data" -type f -printf '%s\n' | awk '{s+=$1} END {print s+0}')
python3 - "$W/stats.json" "$W/ls_all" "$NSNAP" "$PACKBYTES" <<'EOF'
import json, sys
st = json.load(open(sys.argv[1]))
if not isinstance(st, dict):
    sys.exit(f"stats --json is not an object: {st!r}")
flat = {}
def walk(o, pre=""):
    for k, v in o.items():
        if isinstance(v, dict):
            walk(v, pre + k + ".")
        elif isinstance(v, (int, float)) and not isinstance(v, bool):
            flat[(pre + k).lower()] = v
walk(st)
def field(*words, exclude=()):
    c = [k for k in flat if all(w in k for w in words) and not any(x in k for x in exclude)]
    if len(c) > 1:  # e.g. unique_size and unique_size_with_trees: take the plain one
        c.sort(key=len)
        c = c[:1] if len(c[0]) < len(c[1]) else c
    if len(c) != 1:
        sys.exit(f"stats --json: cannot find exactly one field with {words} (candidates {c}) in {json.dumps(st)}")
    return flat[c[0]]
logical = field("logical")
stored = field("stored")
dedup = field("dedup")
comp = field("compression")
unique = field("unique", exclude=("ratio",))
snaps = field("snapshot")
want_logical = sum(o["size"] for o in map(json.loads, filter(str.strip, open(sys.argv[2])))
                   if o["type"] == "file")
errs = []
if logical != want_logical:
    errs.append(f"logical size {logical} != sum of file sizes over all snapshots {want_logical}")
if stored != int(sys.argv[4]):
    errs.append(f"stored size {stored} != sum of pack file sizes {sys.argv[4]}")
if snaps != int(sys.argv[3]):
    errs.append(f"snapshot count {snaps} != {sys.argv[3]}")
if not dedup > 1.5:
    errs.append(f"dedup ratio {dedup} should be > 1.5 (same tree backed up three times)")
if unique and abs(dedup - logical / unique) > 0.02 * dedup:
    errs.append(f"dedup ratio {dedup} != logical/unique {logical / unique:.3f}")
if not 0.5 < comp < 50:
    errs.append(f"compression ratio {comp} not sane")
if stored and abs(comp - unique / stored) > 0.05 * comp:
    errs.append(f"compression ratio {comp} != unique/stored {unique / stored:.3f}")
if not field("pack", exclude=("size", "byte", "ratio")) > 0:
    errs.append("pack count should be > 0")
blobs = sum(v for k, v in flat.items() if "blob" in k and not any(x in k for x in ("size", "byte", "ratio")))
if not blobs > 0:
    errs.append(f"blob counts should add up to > 0")
if errs:
    sys.exit("stats --json: " + "; ".join(errs) + f"\n{json.dumps(st)}")
EOF

# ---------------------------------------------------------------------------------
note "forget --keep-last 2 (--dry-run first; per host/dataset/paths group), prune, check --read-data, restore"
export STRATA_REPOSITORY="$W/repo-forget"
KEYFILE="$W/key-forget"
expect_exit 0 init_repo
F="$W/fsrc"
mkfiles "$F" common.bin:200000 doc.txt:20000:t
for i in 1 2 3 4 5; do
  mkfiles "$F" uniq.bin:500000
  echo "$i" >"$F/counter"
  expect_exit 0 st backup --quiet "$F"
  mkdir -p "$W/expect/$i" && cp -a "$F/." "$W/expect/$i/"
  if [ "$i" = 1 ]; then
    # one snapshot of files with no duplicate content: nothing to deduplicate
    expect_exit 0 st stats --json
    stats_dedup_is_one() {
      python3 - "$WORK/out" <<'EOF2'
import json, sys
st = json.load(open(sys.argv[1]))
d = st.get("dedup_ratio")
if d is None or abs(d - 1.0) > 0.001:
    sys.exit(f"stats after one backup of distinct files: dedup ratio should be 1.0, got {d}: {json.dumps(st)}")
EOF2
    }
    soft stats_dedup_is_one
  fi
done
expect_exit 0 st snapshots --json
cp "$WORK/out" "$W/snaps5.json"
python3 - "$W/snaps5.json" <<'EOF'
import json, sys
s = json.load(open(sys.argv[1]))
if len(s) != 5:
    sys.exit(f"expected 5 snapshots, got {len(s)}")
if [x["time"] for x in s] != sorted(x["time"] for x in s):
    sys.exit("snapshots --json is not ordered oldest first")
EOF
# two more groups: other paths, and the same paths in another dataset; each holds one
# snapshot, which --keep-last 2 keeps
mkfiles "$W/fother" o.txt:1000:t
expect_exit 0 st backup --quiet "$W/fother"
expect_exit 0 st backup --quiet --dataset db "$F"
expect_exit 0 st snapshots --json
cp "$WORK/out" "$W/snaps7.json"
expect_exit 0 st forget --keep-last 2 --dry-run
cp "$WORK/out" "$W/dry.txt"; cat "$WORK/err" >>"$W/dry.txt"
python3 - "$W/snaps7.json" "$W/dry.txt" <<'EOF'
import json, re, sys
snaps = json.load(open(sys.argv[1]))
text = open(sys.argv[2]).read()
lines = text.splitlines()
def decision(short):
    section = None
    for line in lines:
        has_id = short in line
        words = re.findall(r"\b(keep|remove)\b", line.lower())
        if not has_id:
            if words:
                section = words[-1]
            continue
        if words:
            return words[0], line
        return section, line
    return None, None
for i, s in enumerate(snaps):
    want = "keep" if i >= 3 else "remove"
    got, line = decision(s["short_id"])
    if got != want:
        sys.exit(f"forget --dry-run: snapshot {s['short_id']} should be '{want}', found {got!r}\n{text}")
if "last" not in text.lower():
    sys.exit(f"forget --dry-run does not name the rule ('last') that keeps snapshots:\n{text}")
EOF
expect_exit 0 st snapshots --json
cmp -s "$WORK/out" "$W/snaps7.json" || fail "forget --dry-run changed the snapshot list"
expect_exit 0 st forget --keep-last 2
expect_exit 0 st snapshots --json
python3 - "$W/snaps7.json" "$WORK/out" <<'EOF'
import json, sys
before = [s["id"] for s in json.load(open(sys.argv[1]))]
after = [s["id"] for s in json.load(open(sys.argv[2]))]
if after != before[3:]:
    sys.exit(f"forget --keep-last 2 left {after}, expected the two newest of {before[:5]} and the "
             f"single snapshots of the other two groups {before[5:]}")
EOF
# direct removal by id prefix
OTHER=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[5]["id"])' "$W/snaps7.json")
DB=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[6]["id"])' "$W/snaps7.json")
expect_exit 0 st forget "${OTHER:0:8}" "$DB"
snap_ids >"$W/ids"
! grep -q "$OTHER\|$DB" "$W/ids" || fail "forget ${OTHER:0:8} $DB did not remove them"
[ "$(wc -l <"$W/ids")" = 2 ] || fail "forget by id removed the wrong snapshots: $(cat "$W/ids")"
# prune --dry-run changes nothing
find "$STRATA_REPOSITORY" -type f ! -path '*/locks/*' | sort >"$W/files-before"
expect_exit 0 st prune --dry-run
find "$STRATA_REPOSITORY" -type f ! -path '*/locks/*' | sort >"$W/files-after"
cmp -s "$W/files-before" "$W/files-after" || fail "prune --dry-run changed the repository"
before=$(find "$STRATA_REPOSITORY/data" -type f -printf '%s\n' | awk '{s+=$1} END {print s+0}')
expect_exit 0 st prune
after=$(find "$STRATA_REPOSITORY/data" -type f -printf '%s\n' | awk '{s+=$1} END {print s+0}')
[ $((before - after)) -ge 1000000 ] \
  || fail "prune freed only $((before - after)) bytes of packs ($before -> $after); 3 x 500 KB of unique data were unreferenced"
expect_exit 0 st check --read-data
n=4
for id in $(snap_ids); do
  T="$W/restore-$n"
  expect_exit 0 st restore "$id" --target "$T"
  diff -r "$T$F" "$W/expect/$n" >"$W/rdiff" 2>&1 || { cat "$W/rdiff" >&2; fail "restore of snapshot $n after prune differs"; }
  n=$((n + 1))
done
[ "$n" = 6 ] || fail "expected 2 snapshots after prune"
expect_exit 0 st check --read-data-subset 50%

# ---------------------------------------------------------------------------------
note "key slots: add, list, passwd, remove"
export STRATA_REPOSITORY="$W/repo-keys"
KEYFILE="$W/key-keys"
expect_exit 0 init_repo --kdf-memory 8192 --kdf-time 1
mkfiles "$W/ksrc" x.txt:1000:t
expect_exit 0 st backup --quiet "$W/ksrc"
printf 'first-passphrase\n' >"$W/pw1"
printf 'second-passphrase\n' >"$W/pw2"
# key list --json: array of slots, or one slot object per line
slot_ids() {
  python3 - "$1" "${2:-}" <<'EOF'
import json, sys
t = open(sys.argv[1]).read()
try:
    v = json.loads(t)
    slots = v if isinstance(v, list) else v.get("slots", v.get("keys"))
except json.JSONDecodeError:
    slots = [json.loads(l) for l in t.splitlines() if l.strip()]
if not isinstance(slots, list):
    sys.exit(f"key list --json: cannot find the slot list in {t[:500]}")
for s in slots:
    for k in ("id", "kind"):
        if k not in s:
            sys.exit(f"key list --json: slot lacks {k}: {s}")
for s in slots:
    if not sys.argv[2] or sys.argv[2] in s["kind"].lower().replace("-", "").replace("_", ""):
        print(s["id"])
EOF
}
pw() { STRATA_PASSWORD_FILE="$1" "$STRATA" "${@:2}"; }
expect_exit 0 st key add --new-password-file "$W/pw1"
expect_exit 0 pw "$W/pw1" snapshots --json
expect_exit 0 st key list --json
cp "$WORK/out" "$W/keys.json"
[ "$(slot_ids "$W/keys.json" | wc -l)" = 2 ] || fail "key list --json should show 2 slots: $(cat "$W/keys.json")"
[ "$(ls "$STRATA_REPOSITORY/keys" | wc -l)" = 2 ] || fail "keys/ should hold 2 slots"
KF_SLOT=$(slot_ids "$W/keys.json" keyfile)
PW_SLOT=$(slot_ids "$W/keys.json" passphrase)
[ -n "$KF_SLOT" ] && [ -n "$PW_SLOT" ] && [ "$(echo "$KF_SLOT" | wc -l)" = 1 ] \
  || fail "key list --json: expected one keyfile and one passphrase slot: $(cat "$W/keys.json")"
expect_exit 0 st key list
expect_in "$WORK/out" "${PW_SLOT:0:8}"
grep -Eq "^ *\*.*${KF_SLOT:0:8}" "$WORK/out" || { cat "$WORK/out" >&2; fail "key list does not mark the slot in use (${KF_SLOT:0:8}) with *"; }
# the slot in use cannot be removed
expect_fail st key remove "$KF_SLOT"
expect_exit 0 st key list --json
[ "$(slot_ids "$WORK/out" | wc -l)" = 2 ] || fail "refused key remove still removed a slot"
# passwd replaces the passphrase slot in use
expect_exit 0 pw "$W/pw1" key passwd --new-password-file "$W/pw2"
expect_exit 12 pw "$W/pw1" snapshots
expect_exit 0 pw "$W/pw2" snapshots --json
expect_exit 0 st snapshots --json
expect_exit 0 st key list --json
[ "$(slot_ids "$WORK/out" | wc -l)" = 2 ] || fail "after key passwd there should still be 2 slots: $(cat "$WORK/out")"
# a generated key file slot
expect_exit 0 pw "$W/pw2" key add --new-key-file "$W/key-added" --label extra
[ -s "$W/key-added" ] || fail "key add --new-key-file did not generate $W/key-added"
[ "$(stat -c %a "$W/key-added")" = 600 ] || fail "generated key file is not mode 600"
expect_exit 0 "$STRATA" --key-file "$W/key-added" snapshots --json
# remove the other slots while using the passphrase
expect_exit 0 pw "$W/pw2" key list --json
cp "$WORK/out" "$W/keys3.json"
[ "$(slot_ids "$W/keys3.json" | wc -l)" = 3 ] || fail "expected 3 slots: $(cat "$W/keys3.json")"
PW2_SLOT=$(slot_ids "$W/keys3.json" passphrase)
for id in $(slot_ids "$W/keys3.json" keyfile); do
  expect_exit 0 pw "$W/pw2" key remove "$id"
done
expect_exit 12 st snapshots
expect_in "$WORK/err" "no key slot matches"
expect_exit 12 "$STRATA" --key-file "$W/key-added" snapshots
expect_exit 0 pw "$W/pw2" key list --json
[ "$(slot_ids "$WORK/out")" = "$PW2_SLOT" ] || fail "only the passphrase slot should remain: $(cat "$WORK/out")"
# the last slot (also the one in use) cannot be removed
expect_fail pw "$W/pw2" key remove "$PW2_SLOT"
expect_exit 0 pw "$W/pw2" snapshots --json
[ "$(ls "$STRATA_REPOSITORY/keys" | wc -l)" = 1 ] || fail "keys/ should hold 1 slot"
# unknown slot id -> not found
expect_exit 15 pw "$W/pw2" key remove deadbeefdeadbeef

finish test_cli
