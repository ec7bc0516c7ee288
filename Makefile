# Two entry points a new user needs: `make run` and `make test`. Each sets up .venv first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
SAMPLE_AS_OF := 2026-11-23

.PHONY: run test lint sample bench clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit("socprio needs Python 3.11 or newer" if sys.version_info < (3, 11) else 0)'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP) ## set up, then rank the sample data with the default config
	$(BIN)/socprio rank sample_data/ocgs.csv --as-of $(SAMPLE_AS_OF)

test: $(STAMP) ## set up, then run the whole test suite
	$(BIN)/pytest

lint: $(STAMP) ## ruff, ruff format and mypy --strict, as CI runs them
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy --strict src

sample: $(STAMP) ## regenerate the shipped sample file (a test proves it is unchanged)
	$(BIN)/socprio sample --output sample_data/ocgs.csv

bench: $(STAMP) ## the performance benchmarks in bench/ (run by hand; figures go in the notes)
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
