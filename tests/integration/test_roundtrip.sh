#!/usr/bin/env bash
# Round trip of a tree holding every kind of entry (see make_tree.py) through
# backup / restore, incremental backups, dump, ls --json, diff and restore --include.
# usage: bash test_roundtrip.sh /path/to/strata
source "$(dirname "$0")/lib.sh"
# lib.sh's st, bounded: a hanging strata fails the test with exit 124 instead of
# running into the ctest timeout
st() { timeout -k 10 "${STRATA_CMD_TIMEOUT:-600}" "$STRATA" --key-file "$KEYFILE" "$@"; }

MAKE_TREE="$TESTS_DIR/make_tree.py"
CMP="$TESTS_DIR/compare_trees.py"
SRC="$(readlink -f "$WORK")/src"

# Soft failures are collected so that one run reports every broken check; the
# script still exits non-zero at the end if there was any.
FAILURES=()
check_fail() { echo "FAIL: $*" >&2; FAILURES+=("$*"); }
finish() {
  if [ "${#FAILURES[@]}" -gt 0 ]; then
    echo "=== ${#FAILURES[@]} failed check(s):" >&2
    printf '  - %s\n' "${FAILURES[@]}" >&2
    exit 1
  fi
  echo "PASS: $(basename "$0")" >&2
}

# summary_field FILE FIELD: every stdout line of `backup --json` must be a JSON
# object; prints FIELD of the (single) summary object.
summary_field() {
  python3 - "$1" "$2" <<'EOF'
import json, sys
path, field = sys.argv[1], sys.argv[2]
summ = []
with open(path, encoding="utf-8") as f:
    for n, line in enumerate(f, 1):
        if not line.strip():
            continue
        try:
            o = json.loads(line)
        except ValueError as e:
            sys.exit("%s:%d: not JSON (%s): %r" % (path, n, e, line[:200]))
        if not isinstance(o, dict) or "message_type" not in o:
            sys.exit("%s:%d: not an object with message_type: %r" % (path, n, line[:200]))
        if o["message_type"] == "summary":
            summ.append(o)
if len(summ) != 1:
    sys.exit("%s: expected exactly one summary line, found %d" % (path, len(summ)))
if field not in summ[0]:
    sys.exit("%s: summary has no field %r: %s" % (path, field, summ[0]))
v = summ[0][field]
print(json.dumps(v) if isinstance(v, (list, dict)) else v)
EOF
}

# backup_json OUTFILE ARGS... : backup with --json, must exit 0
backup_json() {
  local out=$1; shift
  local rc=0
  st backup --json "$@" >"$out" 2>"$out.err" || rc=$?
  if [ "$rc" != 0 ]; then
    cat "$out.err" >&2; tail -c 2000 "$out" >&2
    fail "backup $* exited $rc"
  fi
}

# restore_and_compare SNAP DIR REFERENCE [compare options]: restore SNAP into DIR,
# compare DIR$SRC with REFERENCE (a directory or a manifest)
restore_and_compare() {
  local snap=$1 dir=$2 ref=$3; shift 3
  local rc=0
  st restore "$snap" --target "$dir" >"$WORK/restore.out" 2>"$WORK/restore.err" || rc=$?
  if [ "$rc" != 0 ]; then
    cat "$WORK/restore.err" >&2
    check_fail "restore $snap --target $dir exited $rc"
    return 0
  fi
  if [ ! -d "$dir$SRC" ]; then
    check_fail "restore $snap: $dir$SRC does not exist (absolute path not recreated under target?)"
    return 0
  fi
  if ! python3 "$CMP" "$@" "$ref" "$dir$SRC"; then
    check_fail "restore of $snap into $dir differs from $ref (differences listed above)"
  fi
}

note "generating the test tree"
python3 "$MAKE_TREE" "$SRC"
python3 "$CMP" --save-manifest "$SRC" "$WORK/m1.json"
cp -a "$SRC/files/small.txt" "$WORK/small.v1"
cp -a "$SRC/files/one" "$WORK/one.v1"

init_repo

# ---- backup 1 ------------------------------------------------------------
note "backup 1"
backup_json "$WORK/b1.json" "$SRC"
S1=$(summary_field "$WORK/b1.json" snapshot_id)
[[ "$S1" =~ ^[0-9a-f]{64}$ ]] || fail "backup 1: snapshot_id '$S1' is not 64 hex digits"
n=$(summary_field "$WORK/b1.json" files_new)
[ "$n" -gt 0 ] || check_fail "backup 1: files_new=$n, expected > 0"
errs=$(summary_field "$WORK/b1.json" errors)
[ "$errs" = "[]" ] || check_fail "backup 1: errors=$errs, expected []"

st snapshots --json >"$WORK/snaps1.json"
python3 - "$WORK/snaps1.json" "$S1" "$SRC" <<'EOF' || check_fail "snapshots --json after backup 1 (see above)"
import json, re, sys
s = json.load(open(sys.argv[1]))
sid, src = sys.argv[2], sys.argv[3]
bad = []
if not isinstance(s, list) or len(s) != 1:
    sys.exit("expected a list of 1 snapshot, got %r" % (s,))
o = s[0]
for k in ("id", "short_id", "time", "host", "username", "uid", "gid", "paths", "tags",
          "dataset", "parent", "tree", "summary"):
    if k not in o:
        bad.append("missing field %s" % k)
if o.get("id") != sid:
    bad.append("id %r != backup summary's snapshot_id %r" % (o.get("id"), sid))
if o.get("paths") != [src]:
    bad.append("paths %r != [%r]" % (o.get("paths"), src))
if not sid.startswith(str(o.get("short_id"))):
    bad.append("short_id %r is not a prefix of id" % o.get("short_id"))
if not re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$", str(o.get("time"))):
    bad.append("time %r is not RFC 3339 UTC with nanoseconds" % o.get("time"))
if o.get("dataset") != "default":
    bad.append("dataset %r != 'default'" % o.get("dataset"))
if bad:
    print("\n".join(bad), file=sys.stderr)
    sys.exit(1)
EOF

note "restore latest and compare with the live source tree"
restore_and_compare latest "$WORK/r1" "$SRC"
rm -rf "$WORK/r1"

# ---- backup 2: nothing changed ------------------------------------------------
note "backup 2 (unchanged)"
backup_json "$WORK/b2.json" "$SRC"
S2=$(summary_field "$WORK/b2.json" snapshot_id)
[[ "$S2" =~ ^[0-9a-f]{64}$ ]] || fail "backup 2: snapshot_id '$S2' is not 64 hex digits"
[ "$S2" != "$S1" ] || check_fail "backup 2 returned the same snapshot id as backup 1"
for f in files_new files_changed; do
  v=$(summary_field "$WORK/b2.json" $f)
  [ "$v" = 0 ] || check_fail "backup 2 of an unchanged tree: $f=$v, expected 0"
done
u2=$(summary_field "$WORK/b2.json" files_unchanged)
[ "$u2" -gt 0 ] || check_fail "backup 2: files_unchanged=$u2, expected > 0"
a2=$(summary_field "$WORK/b2.json" bytes_added)
[ "$a2" -lt 1048576 ] || check_fail "backup 2 of an unchanged tree added $a2 bytes (expected < 1 MiB)"
r2=$(summary_field "$WORK/b2.json" bytes_read)
[ "$r2" -lt 1048576 ] || note "NOTE: backup 2 of an unchanged tree reports bytes_read=$r2 (unchanged files re-read?)"

# ---- backup 3: changed, added, removed files --------------------------------------
note "backup 3 (one file appended to, one rewritten with size and mtime kept, one added, one removed, metadata changes)"
echo "appended line" >>"$SRC/files/small.txt"
# same size, same mtime, different content: only ctime (and content) tell
python3 - "$SRC/files/4k.bin" <<'EOF'
import os, sys
p = sys.argv[1]
st = os.stat(p)
with open(p, "r+b") as f:
    f.seek(1000)
    b = f.read(1)
    f.seek(1000)
    f.write(bytes([b[0] ^ 0xff]))
os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns))
EOF
python3 -c 'import os,sys; open(sys.argv[1],"wb").write(os.urandom(100*1024+3))' "$SRC/files/new_file.bin"
rm "$SRC/files/one"
chmod 0600 "$SRC/files/mode0604"                                   # metadata only
python3 -c 'import os,sys; os.setxattr(sys.argv[1], "user.added", b"later")' "$SRC/xattr/no_xattrs" \
  || note "cannot set xattrs here"
python3 "$CMP" --save-manifest "$SRC" "$WORK/m3.json"
backup_json "$WORK/b3.json" "$SRC"
S3=$(summary_field "$WORK/b3.json" snapshot_id)
n3=$(summary_field "$WORK/b3.json" files_new)
c3=$(summary_field "$WORK/b3.json" files_changed)
u3=$(summary_field "$WORK/b3.json" files_unchanged)
a3=$(summary_field "$WORK/b3.json" bytes_added)
note "backup 3 summary: new=$n3 changed=$c3 unchanged=$u3 bytes_added=$a3 (backup 2: unchanged=$u2)"
[ "$n3" = 1 ] || check_fail "backup 3: files_new=$n3, expected 1 (files/new_file.bin)"
[ "$c3" -ge 2 ] || check_fail "backup 3: files_changed=$c3, expected >= 2 (files/small.txt, files/4k.bin)"
[ "$c3" -le 4 ] || check_fail "backup 3: files_changed=$c3, expected <= 4 (2 contents, 2 metadata changes)"
[ "$a3" -lt $((5 * 1048576)) ] || check_fail "backup 3 added $a3 bytes for ~100 KiB of changes"
[ "$S3" != "$S2" ] || check_fail "backup 3 returned the id of backup 2"

nsnap=$(st snapshots --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
[ "$nsnap" = 3 ] || check_fail "snapshots --json lists $nsnap snapshots, expected 3"

# ---- restore every snapshot -------------------------------------------------------
note "restore each snapshot (full id, id prefix, latest)"
restore_and_compare "$S1" "$WORK/rs1" "$WORK/m1.json"
rm -rf "$WORK/rs1"
restore_and_compare "${S2:0:8}" "$WORK/rs2" "$WORK/m1.json"
rm -rf "$WORK/rs2"
restore_and_compare latest "$WORK/rs3" "$WORK/m3.json"
python3 "$CMP" --quiet "$SRC" "$WORK/rs3$SRC" >/dev/null || check_fail "restore of latest differs from the live tree"

note "restore again over the changed restored tree: files are replaced, others left alone"
T="$WORK/rs3$SRC"
if [ -d "$T" ]; then
  # names that are a hard link / a symlink to a file outside the target: restore must
  # replace the name, never write through it into the outside file
  echo "outside, hard-linked" >"$WORK/outside_hl.txt"
  echo "outside, symlinked" >"$WORK/outside_sl.txt"
  rm -f "$T/files/small.txt"; ln "$WORK/outside_hl.txt" "$T/files/small.txt"
  rm -f "$T/files/mode0640"; ln -s "$WORK/outside_sl.txt" "$T/files/mode0640"
  # a directory of the snapshot replaced by a symlink to a directory outside the target
  mkdir -p "$WORK/outside_dir"
  chmod -R u+w "$T/unicode"; rm -rf "$T/unicode"; ln -s "$WORK/outside_dir" "$T/unicode"
  chmod 0600 "$T/files/exec.sh"
  rm -f "$T/files/4k.bin"
  rm -f "$T/links/rel"; ln -s /etc/passwd "$T/links/rel"
  # same size and mtime as in the snapshot, different content: must be replaced too
  python3 - "$T/files/random_5m.bin" <<'EOF'
import os, sys
p = sys.argv[1]
st = os.stat(p)
with open(p, "r+b") as f:
    f.seek(12345)
    c = f.read(1)
    f.seek(12345)
    f.write(bytes([c[0] ^ 0x55]))
os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns))
EOF
  touch -d @1000 "$T/deep"
  echo "not in the snapshot" >"$T/files/extra_local"
  rc=0
  st restore latest --target "$WORK/rs3" >"$WORK/restore.out" 2>"$WORK/restore.err" || rc=$?
  if [ "$rc" != 0 ]; then
    cat "$WORK/restore.err" >&2; check_fail "restore into a non-empty target exited $rc"
  else
    python3 "$CMP" --exclude files/extra_local "$WORK/m3.json" "$T" \
      || check_fail "restore over an existing restored tree did not bring it back to the snapshot"
    [ "$(cat "$T/files/extra_local" 2>/dev/null)" = "not in the snapshot" ] \
      || check_fail "restore removed or changed a file that is not in the snapshot (files/extra_local)"
    [ "$(cat "$WORK/outside_hl.txt")" = "outside, hard-linked" ] \
      || check_fail "restore wrote through a hard link into a file outside the target ($WORK/outside_hl.txt)"
    [ "$(cat "$WORK/outside_sl.txt")" = "outside, symlinked" ] \
      || check_fail "restore wrote through a symlink into a file outside the target ($WORK/outside_sl.txt)"
    [ -z "$(ls -A "$WORK/outside_dir")" ] \
      || check_fail "restore wrote through a symlinked directory into $WORK/outside_dir: $(ls -A "$WORK/outside_dir" | head -3)"
  fi
fi
rm -rf "$WORK/rs3"

# ---- dump ---------------------------------------------------------------------------
note "dump"
dump_cmp() {  # dump_cmp SNAP PATH EXPECTED_FILE
  local rc=0
  st dump "$1" "$2" >"$WORK/dumped" 2>"$WORK/dump.err" || rc=$?
  if [ "$rc" != 0 ]; then
    cat "$WORK/dump.err" >&2; check_fail "dump $1 '$2' exited $rc"; return 0
  fi
  cmp "$WORK/dumped" "$3" >&2 || check_fail "dump $1 '$2' differs from $3"
}
dump_cmp "$S1" "$SRC/files/random_5m.bin" "$SRC/files/random_5m.bin"
dump_cmp "$S1" "$SRC/files/small.txt" "$WORK/small.v1"
dump_cmp "$S3" "$SRC/files/small.txt" "$SRC/files/small.txt"
dump_cmp "$S1" "$SRC/files/one" "$WORK/one.v1"
dump_cmp "$S1" "$SRC/files/empty" "$SRC/files/empty"
dump_cmp "$S3" "$SRC/files/new_file.bin" "$SRC/files/new_file.bin"
dump_cmp "$S1" "$SRC/unicode/naïve café" "$SRC/unicode/naïve café"
dump_cmp "$S1" "$SRC/sparse/tail_data.img" "$SRC/sparse/tail_data.img"
[ ! -e "$SRC/perms/mode0000" ] || dump_cmp "$S1" "$SRC/perms/mode0000" "$SRC/perms/mode0000"
dump_cmp latest "$SRC/hl/sub/b" "$SRC/aa_first/x"
rc=0; st dump "$S3" "$SRC/files/one" >/dev/null 2>"$WORK/dump.err" || rc=$?
[ "$rc" = 15 ] || check_fail "dump of a path missing from the snapshot exited $rc, expected 15 (not found)"

# ---- ls --json ---------------------------------------------------------------------
note "ls --json"
rc=0; st ls --json "$S1" >"$WORK/ls1.jsonl" 2>"$WORK/ls.err" || rc=$?
if [ "$rc" != 0 ]; then
  cat "$WORK/ls.err" >&2; check_fail "ls --json $S1 exited $rc"
else
  python3 - "$WORK/ls1.jsonl" "$WORK/m1.json" "$SRC" <<'EOF' || check_fail "ls --json $S1 (see above)"
import calendar, json, re, sys
lsfile, mfile, src = sys.argv[1:4]
raw = open(lsfile, "rb").read()
try:
    text = raw.decode("utf-8")
except UnicodeDecodeError as e:
    sys.exit("ls --json output is not valid UTF-8: %s" % e)
manifest = json.load(open(mfile))["entries"]
bad = []
got = {}
for n, line in enumerate(text.splitlines(), 1):
    if not line.strip():
        continue
    try:
        o = json.loads(line)
    except ValueError as e:
        bad.append("line %d not JSON: %s: %r" % (n, e, line[:200]))
        continue
    for k in ("path", "name", "type", "mode", "uid", "gid", "size", "mtime"):
        if k not in o:
            bad.append("line %d: missing field %s: %r" % (n, k, line[:200]))
    got[o.get("path")] = o

def rfc3339_ns(s):
    m = re.match(r"^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$", s)
    if not m:
        return None
    y, mo, d, h, mi, se = (int(x) for x in m.groups()[:6])
    frac = m.group(7) or ""
    tz = m.group(8)
    off = 0 if tz == "Z" else (1 if tz[0] == "+" else -1) * (int(tz[1:3]) * 3600 + int(tz[4:6]) * 60)
    secs = calendar.timegm((y, mo, d, h, mi, se, 0, 0, 0)) - off
    return secs, frac

checked = 0
for rel, e in manifest.items():
    if any(0xdc80 <= ord(c) <= 0xdcff for c in rel):
        continue          # not valid UTF-8: representation in JSON is implementation-defined
    path = src if rel == "." else src + "/" + rel
    o = got.get(path)
    if o is None:
        bad.append("entry %r missing from ls --json" % path)
        continue
    checked += 1
    if o.get("type") != e["type"]:
        bad.append("%r: type %r, expected %r" % (path, o.get("type"), e["type"]))
    if o.get("name") != (path.rsplit("/", 1)[1]):
        bad.append("%r: name %r" % (path, o.get("name")))
    if (o.get("uid"), o.get("gid")) != (e["uid"], e["gid"]):
        bad.append("%r: uid/gid %r/%r, expected %d/%d" % (path, o.get("uid"), o.get("gid"), e["uid"], e["gid"]))
    if e["type"] != "symlink" and o.get("mode") not in (e["mode"], int("%o" % e["mode"])):
        bad.append("%r: mode %r, expected %o (octal)" % (path, o.get("mode"), e["mode"]))
    if e["type"] == "file" and o.get("size") != e["size"]:
        bad.append("%r: size %r, expected %d" % (path, o.get("size"), e["size"]))
    if e["type"] == "symlink" and o.get("link_target") != e["target_text"]:
        bad.append("%r: link_target %r, expected %r" % (path, o.get("link_target"), e["target_text"]))
    t = rfc3339_ns(str(o.get("mtime")))
    if t is None:
        bad.append("%r: mtime %r is not RFC 3339" % (path, o.get("mtime")))
    else:
        secs, frac = t
        want_s, want_ns = divmod(e["mtime_ns"], 10**9)
        want_frac = ("%09d" % want_ns)[:len(frac)] if frac else ""
        if secs != want_s or frac != want_frac:
            bad.append("%r: mtime %r, expected %d.%09d s since the epoch" % (path, o.get("mtime"), want_s, want_ns))
extra = [p for p in got if isinstance(p, str) and p.startswith(src + "/")
         and not any(0xdc80 <= ord(c) <= 0xdcff for c in p)
         and (p[len(src) + 1:] not in manifest)]
for p in extra:
    if "\ufffd" not in p and "\\x" not in p:
        bad.append("unexpected entry %r in ls --json" % p)
for b in bad[:100]:
    print("ls --json: " + b, file=sys.stderr)
if len(bad) > 100:
    print("ls --json: ... %d more" % (len(bad) - 100), file=sys.stderr)
print("ls --json: %d entries checked" % checked, file=sys.stderr)
sys.exit(1 if bad else 0)
EOF
fi
# ls SNAP PATH lists only that subtree
rc=0; st ls --json "$S3" "$SRC/hl" >"$WORK/ls_hl.jsonl" 2>"$WORK/ls.err" || rc=$?
if [ "$rc" != 0 ]; then
  cat "$WORK/ls.err" >&2; check_fail "ls --json $S3 $SRC/hl exited $rc"
else
  python3 - "$WORK/ls_hl.jsonl" "$SRC/hl" <<'EOF' || check_fail "ls --json SNAP PATH (see above)"
import json, sys
paths = sorted(json.loads(l)["path"] for l in open(sys.argv[1]) if l.strip())
root = sys.argv[2]
want = [root + "/" + p for p in ("a", "p1", "plain", "sub", "sub/b")]
outside = [p for p in paths if p != root and not p.startswith(root + "/")]
missing = [p for p in want if p not in paths]
if outside or missing:
    sys.exit("ls SNAP %s: entries outside the path %s, missing %s" % (root, outside, missing))
EOF
fi

# ---- diff ----------------------------------------------------------------------------
# diff_check SNAP1 SNAP2 EXPECTED_LINES...: the lines of `diff` must be exactly the
# expected ones, apart from metadata/content lines for $SRC/files (whose listing
# changed) and for the ancestors of $SRC (outside this test's control).
diff_check() {
  local s1=$1 s2=$2; shift 2
  local rc=0
  st diff "$s1" "$s2" >"$WORK/diff.out" 2>"$WORK/diff.err" || rc=$?
  if [ "$rc" != 0 ]; then
    cat "$WORK/diff.err" >&2; check_fail "diff $s1 $s2 exited $rc"; return 0
  fi
  python3 - "$WORK/diff.out" "$SRC" "$@" <<'EOF' || check_fail "diff $s1 $s2 (see above)"
import sys
out, src, want = sys.argv[1], sys.argv[2], set(sys.argv[3:])
got = set()
for line in open(out, encoding="utf-8", errors="surrogateescape").read().splitlines():
    if not line.strip():
        continue
    kind, _, path = line.partition(" ")
    if kind not in ("+", "-", "M", "U"):
        continue                      # headers / summaries are allowed
    if kind in ("M", "U") and (src.startswith(path.rstrip("/") + "/") or path == src + "/files"):
        continue
    got.add(line)
bad = False
for l in sorted(want - got):
    print("diff: missing line %r" % l, file=sys.stderr); bad = True
for l in sorted(got - want):
    print("diff: unexpected line %r" % l, file=sys.stderr); bad = True
sys.exit(1 if bad else 0)
EOF
}
note "diff"
diff_check "$S2" "$S3" "+ $SRC/files/new_file.bin" "- $SRC/files/one" "M $SRC/files/small.txt" \
  "M $SRC/files/4k.bin" "U $SRC/files/mode0604" "U $SRC/xattr/no_xattrs"
diff_check "$S1" "$S2"

# ---- restore --include -------------------------------------------------------------
note "restore --include a subtree"
rc=0; st restore "$S3" --target "$WORK/ri" --include "$SRC/hl" >"$WORK/ri.out" 2>"$WORK/ri.err" || rc=$?
if [ "$rc" != 0 ]; then
  cat "$WORK/ri.err" >&2; check_fail "restore --include $SRC/hl exited $rc"
else
  # only $SRC/hl, what is below it, and its ancestors may exist
  python3 - "$WORK/ri" "$SRC/hl" <<'EOF' || check_fail "restore --include restored paths outside the included subtree"
import os, sys
target, inc = sys.argv[1], sys.argv[2]
anc = set()
p = inc
while p not in ("/", ""):
    anc.add(p)
    p = os.path.dirname(p)
bad = []
for dp, dn, fn in os.walk(target):
    for n in dn + fn:
        full = os.path.join(dp, n)[len(target):]
        if full in anc or full.startswith(inc + "/"):
            continue
        bad.append(full)
for b in sorted(bad):
    print("restored although not included: %r" % b, file=sys.stderr)
sys.exit(1 if bad else 0)
EOF
  if [ -d "$WORK/ri$SRC/hl" ]; then
    # includes hl/a + hl/sub/b, whose inode's first name (aa_first/x) was not restored
    python3 "$CMP" "$SRC/hl" "$WORK/ri$SRC/hl" || check_fail "restore --include $SRC/hl: subtree differs"
  else
    check_fail "restore --include $SRC/hl: $WORK/ri$SRC/hl missing"
  fi
fi
rm -rf "$WORK/ri"

note "restore --include a single file"
F="$SRC/unicode/naïve café"
rc=0; st restore "$S3" --target "$WORK/rf" --include "$F" >"$WORK/rf.out" 2>"$WORK/rf.err" || rc=$?
if [ "$rc" != 0 ]; then
  cat "$WORK/rf.err" >&2; check_fail "restore --include '$F' exited $rc"
else
  cmp "$F" "$WORK/rf$F" >&2 || check_fail "restore --include '$F': content differs or missing"
  [ "$(stat -c '%a %u %g %.9Y' "$F")" = "$(stat -c '%a %u %g %.9Y' "$WORK/rf$F" 2>/dev/null)" ] \
    || check_fail "restore --include '$F': metadata differs"
  others=$(find "$WORK/rf$SRC" -mindepth 1 -not -path "$WORK/rf$SRC/unicode" -not -path "$WORK/rf$F" || true)
  [ -z "$others" ] || check_fail "restore --include '$F' also restored: $others"
fi
rm -rf "$WORK/rf"

finish
