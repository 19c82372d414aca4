#!/usr/bin/env bash
# Old-format repositories keep working: a format-1 repository committed under
# tests/fixtures/repo-v1 (made by Strata 0.x before format 2 existed) opens, checks
# with --read-data, restores byte for byte, and takes new backups in its own format
# (pack version 1, named by the SHA-256 of all its bytes), which check again.
# New repositories are format 2 (packs named by preamble, sealed header and trailer).
source "$(dirname "$0")/lib.sh"

FIXTURE="$TESTS_DIR/../fixtures/repo-v1"
cp -r "$FIXTURE/repo" "$WORK/repo"
mkdir -p "$WORK/repo/locks"            # git keeps no empty directories
cp "$FIXTURE/key" "$KEYFILE"; chmod 600 "$KEYFILE"
python3 - "$WORK/repo/config" 1 <<'PY'
import json, sys
assert json.load(open(sys.argv[1]))["version"] == int(sys.argv[2]), "fixture is not format 1"
PY

# pack_version FILE: byte 4 of a pack's preamble; sha_ok FILE: name == SHA-256 of all bytes
pack_version() { python3 -c 'import sys; print(open(sys.argv[1],"rb").read(5)[4])' "$1"; }
sha_ok() { [ "$(sha256sum "$1" | cut -c1-64)" = "$(basename "$1")" ]; }

note "format 1: check --read-data"
expect_exit 0 st check --read-data
expect_in "$WORK/out" "no errors were found"

note "format 1: restore compares byte for byte"
expect_exit 0 st restore latest --target "$WORK/restore"
(cd "$WORK/restore/tmp/fx/src" && sha256sum -c --quiet "$FIXTURE/manifest.sha256") ||
  fail "restored fixture differs from its manifest"
[ "$(readlink "$WORK/restore/tmp/fx/src/etc/link")" = "app.conf" ] || fail "symlink not restored"

note "format 1: a new backup writes version-1 packs"
before=$(find "$WORK/repo/data" -type f | sort)
mkdir -p "$WORK/new"; head -c 300000 /dev/urandom >"$WORK/new/random.bin"
expect_exit 0 st backup "$WORK/new" -q
after=$(find "$WORK/repo/data" -type f | sort)
added=$(comm -13 <(echo "$before") <(echo "$after"))
[ -n "$added" ] || fail "the backup added no pack"
for p in $added; do
  [ "$(pack_version "$p")" = 1 ] || fail "$p: pack version $(pack_version "$p") in a format-1 repository"
  sha_ok "$p" || fail "$p: format-1 pack not named by the SHA-256 of its bytes"
done
python3 - "$WORK/repo/config" 1 <<'PY'
import json, sys
assert json.load(open(sys.argv[1]))["version"] == int(sys.argv[2]), "config version changed"
PY
expect_exit 0 st check --read-data

note "format 1: a flipped byte inside a blob is found by name and by the blob's tag"
victim=$(echo "$added" | head -1)
python3 - "$victim" <<'PY'
import sys
p = sys.argv[1]; b = bytearray(open(p, "rb").read()); b[100] ^= 1; open(p, "wb").write(b)
PY
expect_exit 13 st check --read-data
expect_in "$WORK/out" "content does not match its name"
expect_in "$WORK/out" "fails authentication"

note "format 2: new repositories, packs named by their framing"
export STRATA_REPOSITORY="$WORK/repo2"
KEYFILE="$WORK/key2"
expect_exit 0 init_repo
python3 - "$WORK/repo2/config" 2 <<'PY'
import json, sys
assert json.load(open(sys.argv[1]))["version"] == int(sys.argv[2]), "new repository is not format 2"
PY
expect_exit 0 st backup "$WORK/new" -q
for p in $(find "$WORK/repo2/data" -type f); do
  [ "$(pack_version "$p")" = 2 ] || fail "$p: pack version $(pack_version "$p") in a format-2 repository"
  python3 - "$p" <<'PY' || fail "$p: not named by SHA-256(preamble || sealed header || trailer)"
import hashlib, os, struct, sys
p = sys.argv[1]; b = open(p, "rb").read()
header_len = struct.unpack("<I", b[-8:-4])[0]
assert b[-4:] == b"SPKT"
name = hashlib.sha256(b[:8] + b[len(b) - 8 - header_len:]).hexdigest()
assert name == os.path.basename(p), (name, p)
PY
done
expect_exit 0 st check --read-data
victim=$(find "$WORK/repo2/data" -type f -size +100k | head -1)
python3 - "$victim" <<'PY'
import sys
p = sys.argv[1]; b = bytearray(open(p, "rb").read()); b[100] ^= 1; open(p, "wb").write(b)
PY
expect_exit 13 st check --read-data
expect_in "$WORK/out" "fails authentication"
note "ok"
