# `make main` runs the warning-to-action experiment, `make test` the test suite; both set up .venv first.
SHELL := /bin/bash
PY    := .venv/bin/python
NUMBA := NUMBA_CACHE_DIR=$(CURDIR)/.numba_cache

.PHONY: setup test main lint format bench figures calibration sensitivity clean

setup:
	@bash scripts/setup.sh

# SLURM tests (tests/test_slurm.py, marker `slurm`): with SLURM_TESTS=1, or as root with CI set
# (and SLURM_TESTS not 0), `make test` first starts a local one-node SLURM cluster
# (scripts/slurm_setup.sh, needs root: apt-installs slurm-wlm + munge on first use, ~25-40 s;
# ~1 s when already up) and exports REQUIRE_SLURM=1, so the slurm tests fail instead of
# skipping. Otherwise they skip unless a cluster is already up. .ci/run sets SLURM_TESTS=1.
test: setup
	@if [ "$${SLURM_TESTS:-}" = 1 ] || { [ -n "$${CI:-}" ] && [ "$${SLURM_TESTS:-}" != 0 ] \
			&& [ "$$(id -u)" = 0 ]; }; then \
		bash scripts/slurm_setup.sh || exit $$?; \
		export REQUIRE_SLURM=1; \
	fi; \
	echo '$(NUMBA) $(PY) -m pytest -q'; \
	$(NUMBA) $(PY) -m pytest -q

main: setup
	$(NUMBA) $(PY) -m experiments.warning_to_action

lint: setup
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .

format: setup
	.venv/bin/ruff check --fix .
	.venv/bin/ruff format .

# Every number and figure quoted in README.md and docs/, from one clean commit (prints it).
figures: setup
	$(NUMBA) $(PY) scripts/make_figures.py

calibration: setup
	$(NUMBA) $(PY) -m experiments experiment=calibration

sensitivity: setup
	$(NUMBA) $(PY) -m experiments experiment=sensitivity

# Every speed and memory figure of docs/performance.md in one run (a few minutes on 2 cores);
# outputs/benchmarks/bench.csv and bench.md. Options: make bench BENCH_ARGS='--only spmv --big 4000000'.
bench: setup
	$(NUMBA) $(PY) benchmarks/bench.py $(BENCH_ARGS)

clean:
	rm -rf .venv .numba_cache .pytest_cache .hypothesis .ruff_cache
