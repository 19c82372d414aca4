#!/usr/bin/env bash
# Runs each libFuzzer target for a fixed time on a scratch copy of its seed corpus
# (fuzz/corpus/<target>/), so nothing is ever written into the source tree.
# Usage: scripts/run-fuzzers.sh BUILD_DIR SECONDS
# Prints one line per fuzzer; exits non-zero if any fuzzer fails (crash, leak,
# timeout, OOM) or is missing. Crash inputs and logs are kept in the scratch dir,
# whose path is printed on failure.
set -uo pipefail

if [ $# -ne 2 ]; then
  echo "usage: $0 BUILD_DIR SECONDS" >&2
  exit 2
fi
build_dir=$1
seconds=$2
case "$seconds" in
  ''|*[!0-9]*) echo "run-fuzzers: SECONDS must be a positive integer" >&2; exit 2 ;;
esac
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
targets=(fuzz_pack_header fuzz_index fuzz_tree)

work=$(mktemp -d "${TMPDIR:-/tmp}/strata-fuzz.XXXXXX")
failed=0
for t in "${targets[@]}"; do
  bin="$build_dir/$t"
  if [ ! -x "$bin" ]; then
    echo "FAIL $t: $bin not built (run 'make fuzz')"
    failed=1
    continue
  fi
  mkdir -p "$work/$t/corpus" "$work/$t/artifacts"
  if [ -d "$root/fuzz/corpus/$t" ]; then
    cp -R "$root/fuzz/corpus/$t/." "$work/$t/corpus/"
  fi
  seeds=$(find "$work/$t/corpus" -type f | wc -l)
  start=$(date +%s)
  # UBSan only reports and continues by default: make undefined behaviour fatal.
  UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}" \
  "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$work/$t/artifacts/" "$work/$t/corpus" >"$work/$t/log" 2>&1
  rc=$?
  took=$(( $(date +%s) - start ))
  runs=$(grep -oE '^Done [0-9]+ runs' "$work/$t/log" | grep -oE '[0-9]+' || echo "?")
  corpus=$(find "$work/$t/corpus" -type f | wc -l)
  if [ $rc -eq 0 ]; then
    echo "ok   $t: ${runs} runs in ${took}s, corpus ${seeds} -> ${corpus} inputs"
  else
    artifact=$(ls "$work/$t/artifacts" 2>/dev/null | head -1)
    summary=$(grep -m1 -E 'ERROR: |SUMMARY: |runtime error' "$work/$t/log" || echo "exit code $rc")
    echo "FAIL $t: exit $rc after ${took}s: ${summary}${artifact:+; input $work/$t/artifacts/$artifact}; log $work/$t/log"
    failed=1
  fi
done

if [ $failed -ne 0 ]; then
  echo "run-fuzzers: failures; scratch dir kept at $work" >&2
  exit 1
fi
rm -rf "$work"
exit 0
