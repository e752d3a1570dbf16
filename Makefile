# `make main` runs the warning-to-action experiment, `make test` the test suite; both set up .venv first.
SHELL := /bin/bash
PY    := .venv/bin/python
NUMBA := NUMBA_CACHE_DIR=$(CURDIR)/.numba_cache

.PHONY: setup test main lint format bench figures calibration sensitivity app clean

setup:
	@bash scripts/setup.sh

# SLURM tests (tests/test_slurm.py, marker `slurm`): with SLURM_TESTS=1, or as root with CI set
# (and SLURM_TESTS not 0), `make test` first starts a local one-node SLURM cluster
# (scripts/slurm_setup.sh, needs root: apt-installs slurm-wlm + munge on first use, ~25-40 s;
# ~1 s when already up) and exports REQUIRE_SLURM=1, so the slurm tests fail instead of
# skipping. Otherwise they skip unless a cluster is already up. .ci/run sets SLURM_TESTS=1.
#
# The browser test (tests/test_app_browser.py) likewise: with BROWSER_TESTS=1, or as root with CI
# set (and BROWSER_TESTS not 0), `make test` first installs Debian's chromium
# (scripts/browser_setup.sh, apt on first use) and the page's browser assets
# (scripts/solara_assets.sh, npm on first use) and exports REQUIRE_BROWSER=1, so the test fails
# instead of skipping. Otherwise it skips unless chromium is already installed.
test: setup
	@if [ "$${SLURM_TESTS:-}" = 1 ] || { [ -n "$${CI:-}" ] && [ "$${SLURM_TESTS:-}" != 0 ] \
			&& [ "$$(id -u)" = 0 ]; }; then \
		bash scripts/slurm_setup.sh || exit $$?; \
		export REQUIRE_SLURM=1; \
	fi; \
	if [ "$${BROWSER_TESTS:-}" = 1 ] || { [ -n "$${CI:-}" ] && [ "$${BROWSER_TESTS:-}" != 0 ] \
			&& [ "$$(id -u)" = 0 ]; }; then \
		bash scripts/browser_setup.sh && bash scripts/solara_assets.sh || exit $$?; \
		export REQUIRE_BROWSER=1; \
	fi; \
	echo '$(NUMBA) $(PY) -m pytest -q'; \
	$(NUMBA) $(PY) -m pytest -q

main: setup
	$(NUMBA) $(PY) -m experiments.warning_to_action

# The teaching app (docs/teaching.md) on http://127.0.0.1:8765; options after ARGS=, e.g.
# `make app ARGS="port=8600 controls.scenario=kenya_2008"`. scripts/solara_assets.sh first puts
# the page's browser files (from npm) into Solara's cache, so it also works without the CDN.
app: setup
	@bash scripts/solara_assets.sh
	$(NUMBA) $(PY) -m sim.app $(ARGS)

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
