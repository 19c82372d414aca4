#!/usr/bin/env bash
# `make bench`: runs the side-by-side benchmark (bench/bench.py) against the built binary.
set -euo pipefail
exec python3 "$(dirname "$0")/bench.py" "${1:-build/strata}"
