# Entry points for users and CI: `make run` (quick start on a local demo repository),
# `make test` (everything), `make bench` (performance), `make build` (binary at build/strata).
BUILD_DIR ?= build
FUZZ_DIR ?= build-fuzz
JOBS ?= $(shell nproc)
WERROR ?= ON

# WERROR=ON (default) makes every warning an error, as in CI.
.PHONY: all build deps run-deps run test test-fast test-slow fuzz bench bench-pg clean

all: build

deps:
	@bash scripts/install-deps.sh

$(BUILD_DIR)/build.ninja:
	@cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSTRATA_WERROR=$(WERROR) >/dev/null

build: deps $(BUILD_DIR)/build.ninja
	@cmake --build $(BUILD_DIR) -j $(JOBS)

# The quick start only needs the binary, not the test programs, and only the packages
# that build it and run the demo (no PostgreSQL, no Ceph).
run-deps:
	@bash scripts/install-deps.sh --run

run: run-deps $(BUILD_DIR)/build.ninja
	@cmake --build $(BUILD_DIR) -j $(JOBS) --target strata
	@bash scripts/demo.sh $(BUILD_DIR)/strata

# Unit tests + integration tests + a short fuzz run of each parser.
test: build fuzz
	@cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) -LE slow
	@bash scripts/run-fuzzers.sh $(FUZZ_DIR) 10

# Only the fast unit tests (seconds).
test-fast: build
	@cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) -L unit

# Long-running trials (many kill -9 rounds, large trees).
test-slow: build
	@cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) -L slow

$(FUZZ_DIR)/build.ninja:
	@CXX=clang++ cmake -S . -B $(FUZZ_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSTRATA_FUZZ=ON >/dev/null

fuzz: deps $(FUZZ_DIR)/build.ninja
	@cmake --build $(FUZZ_DIR) -j $(JOBS) --target fuzz_pack_header fuzz_index fuzz_tree

bench: build
	@bash scripts/install-deps.sh --bench
	@bash bench/run.sh $(BUILD_DIR)/strata

# Strata's PostgreSQL commands against pgBackRest on one pgbench cluster (docs/benchmarks.md).
bench-pg: build
	@bash scripts/install-deps.sh --bench-pg
	@bash bench/pg/run.sh $(BUILD_DIR)/strata

# Strata on S3 (Ceph radosgw on loopback) against Strata on a local repository and
# restic on the same server: backup, warm-cache re-backup, restore (bench/s3/run.sh).
.PHONY: bench-s3
bench-s3: build
	@bash scripts/install-deps.sh --bench
	@bash bench/s3/run.sh $(BUILD_DIR)/strata

clean:
	rm -rf $(BUILD_DIR) $(FUZZ_DIR)
