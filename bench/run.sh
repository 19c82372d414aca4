#!/usr/bin/env bash
# `make bench`: runs the benchmark (bench/bench.py) against the built binary. The default
# is the side-by-side race against restic and borg; BENCH_MODE=scale measures how one
# mutation backup's cost grows with the number of snapshots (see docs/benchmarks.md).
set -euo pipefail
exec python3 "$(dirname "$0")/bench.py" "${1:-build/strata}"
