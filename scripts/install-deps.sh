#!/usr/bin/env bash
# Installs every Debian 12 package Strata's build, tests and benchmarks need.
# Idempotent and quiet when everything is already present; called by `make run`,
# `make test` and `make bench` so that a fresh machine needs no manual set-up.
set -euo pipefail

BUILD_PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config
  libssl-dev libzstd-dev libargon2-dev
  libcli11-dev nlohmann-json3-dev libyaml-cpp-dev libspdlog-dev libpq-dev libcurl4-openssl-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  clang libclang-rt-14-dev
)
# PostgreSQL 15 server and client tools: the postgres integration tests start real
# clusters (primary, streaming standby, restored instances) from tests/servers/.
# Ceph (one monitor, one memstore OSD, radosgw): the S3 tests run against a real
# S3-compatible server that checks SigV4 signatures (tests/servers/s3.sh); curl
# for the scripts' own S3 calls.
TEST_PACKAGES=(python3 attr procps coreutils util-linux mount diffutils mawk curl
               postgresql-15 postgresql-client-15 ceph-mon ceph-osd radosgw ceph-common)
BENCH_PACKAGES=(restic borgbackup time)
# `make bench-pg` (bench/pg/run.sh): pgBackRest 2.45 races Strata on a PostgreSQL 15
# cluster with a pgbench database (pgbench ships in postgresql-15).
BENCH_PG_PACKAGES=(pgbackrest postgresql-15 postgresql-client-15 python3 procps coreutils util-linux time)

# `make run` (--run): building and the demo only (python3 and diff for its checks).
RUN_PACKAGES=(python3 diffutils)

want=("${BUILD_PACKAGES[@]}" "${TEST_PACKAGES[@]}")
case "${1:-}" in
  --run) want=("${BUILD_PACKAGES[@]}" "${RUN_PACKAGES[@]}") ;;
  --bench) want+=("${BENCH_PACKAGES[@]}") ;;
  --bench-pg) want+=("${BENCH_PG_PACKAGES[@]}") ;;
esac

missing=()
for p in "${want[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "install-deps: installing ${missing[*]}" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
if ! $SUDO apt-get install -y -q "${missing[@]}" >/tmp/strata-apt.log 2>&1; then
  $SUDO apt-get update -q >/tmp/strata-apt-update.log 2>&1 || true
  if ! $SUDO apt-get install -y -q "${missing[@]}" >/tmp/strata-apt.log 2>&1; then
    echo "install-deps: apt-get install failed; see /tmp/strata-apt.log" >&2
    tail -20 /tmp/strata-apt.log >&2
    exit 1
  fi
fi
