#!/usr/bin/env bash
# The crash test with 100 kill trials (label "slow").
# usage: bash slow_crash.sh /path/to/strata
export TRIALS=${TRIALS:-100}
exec bash "$(dirname "$0")/test_crash.sh" "$@"
