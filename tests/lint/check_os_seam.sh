#!/usr/bin/env bash
# Fails when a layer above common/ talks to the operating system in a way that
# common/ already owns (posix_io.h, atomic_file.h, process.h, scratch_dir.h): an
# EINTR loop, fork/exec or posix_spawn, memfd or mkdtemp of its own. A line that
# must do it anyway (a loop with a condition posix_io cannot express) says why
# with an "os-seam:" comment on the same line.
set -euo pipefail
SRC="$(cd "$(dirname "$0")/../../src" && pwd)"
pattern='EINTR|\bfork\(|\bvfork\(|\bexecve?\(|posix_spawn|memfd_create|mkdtemp'
hits=$(grep -rnE --include='*.h' --include='*.cpp' "$pattern" "$SRC" | grep -v "^$SRC/common/" | grep -v 'os-seam:' |
       grep -vE '^[^:]+:[0-9]+:\s*//' || true)
if [ -n "$hits" ]; then
  echo "$hits" | sed "s|^$SRC/|src/|; s|^|OS call outside common/'s seam: |"
  exit 1
fi
echo "os seam: descriptors, retries, processes and scratch directories go through common/"
