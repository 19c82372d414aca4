# Shared helpers for the CLI-level integration tests. Each test script is run by
# ctest as `bash test_x.sh /path/to/strata`; it sources this file, works in its own
# temporary directory (removed on exit, even on failure) and exits non-zero on failure.
set -euo pipefail

STRATA="$(readlink -f "${1:?usage: $0 /path/to/strata}")"
TESTS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/strata-it.XXXXXX")"
BG_PIDS=()
# Stop functions of the servers started by tests/servers/*.sh: each file appends
# its own (SERVER_CLEANUPS+=(name)); cleanup calls them all, in order, on exit.
SERVER_CLEANUPS=()

cleanup() {
  local p f
  # Servers started by tests/servers/*.sh stop first, by PID.
  for f in "${SERVER_CLEANUPS[@]:-}"; do
    [ -n "$f" ] && declare -F "$f" >/dev/null && { "$f" || true; }
  done
  for p in "${BG_PIDS[@]:-}"; do
    [ -n "$p" ] && kill -9 "$p" 2>/dev/null || true
  done
  chmod -R u+rwx "$WORK" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

# Default repository and key for a test; scripts may override.
# STRATA_TEST_REPOSITORY runs a suite against another location (S3: test_s3_repository.sh).
export STRATA_REPOSITORY="${STRATA_TEST_REPOSITORY:-$WORK/repo}"
export STRATA_PASSWORD=""
unset STRATA_PASSWORD
KEYFILE="$WORK/key"

fail() { echo "FAIL: $*" >&2; exit 1; }
note() { echo "--- $*" >&2; }

# strata with the test's key file
st() { "$STRATA" --key-file "$KEYFILE" "$@"; }

# init a repository at $STRATA_REPOSITORY with a freshly generated key file
init_repo() { "$STRATA" init --generate-key-file "$KEYFILE" --quiet "$@"; }

# expect_exit CODE cmd args... : runs the command, fails unless it exits with CODE.
# Its stdout goes to $WORK/out, stderr to $WORK/err.
expect_exit() {
  local want=$1; shift
  local rc=0
  "$@" >"$WORK/out" 2>"$WORK/err" || rc=$?
  if [ "$rc" != "$want" ]; then
    echo "command: $*" >&2; echo "stdout:" >&2; head -c 3000 "$WORK/out" >&2
    echo "stderr:" >&2; head -c 3000 "$WORK/err" >&2
    fail "expected exit $want, got $rc"
  fi
}

# expect_in FILE TEXT : file must contain text
expect_in() { grep -qF -- "$2" "$1" || { echo "--- $1:" >&2; head -c 3000 "$1" >&2; fail "expected '$2' in $1"; }; }

# latest snapshot id (full hex)
latest_id() { st snapshots --json | python3 -c 'import json,sys; s=json.load(sys.stdin); print(s[-1]["id"])'; }

# mkfiles DIR NAME:SIZE... : files of random content (directories made as needed).
# Tests that need text files define their own mkfiles after sourcing this file.
mkfiles() {
  python3 - "$@" <<'PY'
import os, sys
d = sys.argv[1]
for spec in sys.argv[2:]:
    name, size = spec.split(":")[:2]
    p = os.path.join(d, name)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    with open(p, "wb") as f:
        f.write(os.urandom(int(size)))
PY
}

# flip_byte FILE : xor 0x01 into its middle byte (a damaged object, one bit off)
flip_byte() {
  chmod u+w "$1"
  python3 - "$1" <<'PY'
import sys
p = sys.argv[1]
b = bytearray(open(p, "rb").read())
b[len(b) // 2] ^= 1
open(p, "wb").write(b)
PY
}
