#!/usr/bin/env bash
# Strata quick start (`make run`): backs up this project's docs/ and src/ into a local
# demo repository, restores the newest snapshot into a temporary directory, proves the
# restore is byte-for-byte identical, and shows the repository statistics.
# Usage: bash scripts/demo.sh [path/to/strata]   (default: build/strata)
# The repository (./.strata-demo/repo) and its key file (./.strata-demo/key) are made on
# the first run and reused afterwards, so later runs show deduplication at work.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STRATA="$(readlink -f "${1:-$ROOT/build/strata}")"
[ -x "$STRATA" ] || { echo "demo: no strata binary at $STRATA (run 'make build' first)" >&2; exit 1; }

DEMO="$ROOT/.strata-demo"
REPO="$DEMO/repo"
KEY="$DEMO/key"
SOURCES=("$ROOT/docs" "$ROOT/src")
RESTORE_DIR=""
trap 'if [ -n "$RESTORE_DIR" ]; then rm -rf "$RESTORE_DIR"; fi' EXIT

export STRATA_REPOSITORY="$REPO"
strata() { "$STRATA" --key-file "$KEY" "$@"; }
if [ -t 1 ]; then
  step() { printf '\n\033[1m%s\033[0m\n' "$*"; }
else
  step() { printf '\n%s\n' "$*"; }
fi
human() { python3 -c '
import sys
n = float(sys.argv[1])
for u in ("B", "KiB", "MiB", "GiB", "TiB"):
    if n < 1024 or u == "TiB":
        print(f"{n:.0f} {u}" if u == "B" else f"{n:.1f} {u}"); break
    n /= 1024' "$1"; }

# 1. repository ---------------------------------------------------------------------
step "1. Repository"
mkdir -p "$DEMO"
if [ -f "$REPO/config" ]; then
  echo "   reusing $REPO (key file $KEY)"
elif [ -f "$KEY" ]; then
  "$STRATA" init --key-file "$KEY" --quiet
  echo "   created $REPO with the existing key file $KEY"
else
  "$STRATA" init --generate-key-file "$KEY" --quiet
  echo "   created $REPO"
  echo "   generated key file $KEY (mode 0600) - without it the backups cannot be read"
fi

# 2. backup -------------------------------------------------------------------------
step "2. Back up docs/ and src/ (tag: demo)"
SUMMARY_LINES="$(strata backup --tag demo --json "${SOURCES[@]}")"
SUMMARY="$(printf '%s\n' "$SUMMARY_LINES" | python3 -c '
import json, sys
s = [o for o in map(json.loads, filter(str.strip, sys.stdin)) if o.get("message_type") == "summary"]
print(json.dumps(s[-1]))')"
field() { python3 -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$SUMMARY" "$1"; }
SNAP="$(field snapshot_id)"
NEW="$(field files_new)"; CHANGED="$(field files_changed)"; UNCHANGED="$(field files_unchanged)"
BYTES_READ="$(field bytes_read)"; BYTES_ADDED="$(field bytes_added)"
echo "   snapshot ${SNAP:0:8}: $NEW new, $CHANGED changed, $UNCHANGED unchanged files;" \
     "read $(human "$BYTES_READ"), added $(human "$BYTES_ADDED") of new data"

# 3. list ---------------------------------------------------------------------------
step "3. Snapshots in the repository"
strata snapshots | sed 's/^/   /'
NSNAPS="$(strata snapshots --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')"

# 4. restore and verify -------------------------------------------------------------
step "4. Restore snapshot ${SNAP:0:8} and verify it against the source"
RESTORE_DIR="$(mktemp -d "${TMPDIR:-/tmp}/strata-demo-restore.XXXXXX")"
strata restore "$SNAP" --target "$RESTORE_DIR" --quiet
echo "   restored into $RESTORE_DIR"
FILES=0
OK=1
for s in "${SOURCES[@]}"; do
  if ! diff -r "$s" "$RESTORE_DIR$s" >"$RESTORE_DIR.diff" 2>&1; then
    OK=0
    echo "   MISMATCH under $s:" >&2
    head -20 "$RESTORE_DIR.diff" | sed 's/^/     /' >&2
  fi
  FILES=$((FILES + $(find "$RESTORE_DIR$s" -type f | wc -l)))
done
rm -f "$RESTORE_DIR.diff"
if [ "$OK" != 1 ]; then
  echo "   verification FAILED: the restore differs from the source" \
       "(if you edited files during the demo, run it again)" >&2
  exit 1
fi
echo "   verified: $FILES files identical"

# 5. stats --------------------------------------------------------------------------
step "5. Repository statistics"
strata stats | sed 's/^/   /'

if [ "$NSNAPS" -gt 1 ]; then
  echo
  echo "Snapshot number $NSNAPS added only $(human "$BYTES_ADDED") ($BYTES_ADDED bytes) of new data;" \
       "$UNCHANGED files unchanged - unchanged data is never stored twice."
else
  echo
  echo "Run 'make run' again: the next snapshot stores only what changed."
fi
echo "Repository: $REPO   key file: $KEY"
