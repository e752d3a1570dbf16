# `make main` runs the demo, `make test` runs the test suite; both set up .venv first.
SHELL := /bin/bash
PY    := .venv/bin/python
NUMBA := NUMBA_CACHE_DIR=$(CURDIR)/.numba_cache

.PHONY: setup test main lint format bench clean

setup:
	@bash scripts/setup.sh

test: setup
	$(NUMBA) $(PY) -m pytest -q

main: setup
	$(NUMBA) $(PY) -m sim.demo

lint: setup
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .

format: setup
	.venv/bin/ruff check --fix .
	.venv/bin/ruff format .

bench: setup
	$(NUMBA) $(PY) benchmarks/bench_step.py

clean:
	rm -rf .venv .numba_cache .pytest_cache .hypothesis .ruff_cache
