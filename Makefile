# Two commands for a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
DEMO   ?= demo-workspace

.PHONY: demo test lint install clean bench

$(BIN)/appraisal: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $@

install: $(BIN)/appraisal

## Set everything up and run the demo on the embedded DuckDB default.
demo: install
	$(BIN)/appraisal demo $(DEMO)

## Run the whole test suite (DuckDB, SQLite and, where installed, a throwaway PostgreSQL).
test: install
	APPRAISAL_TEST_POSTGRES_URL="$${APPRAISAL_TEST_POSTGRES_URL:-$$(scripts/postgres-for-tests)}" \
	  $(BIN)/python -m pytest -q -n auto

lint: install
	$(BIN)/ruff check appraisal tests $(wildcard bench)
	$(BIN)/ruff format --check appraisal tests $(wildcard bench)
	$(BIN)/mypy

## Benchmark import and evaluation at scales 0.1, 1 and 5 against pandas and hand-written
## SQL; writes bench/RESULTS.md (about 12 minutes the first time, 11 GB of memory at scale 5).
bench: install
	$(BIN)/python -m bench.run --scales 0.1,1,5 --repeat 3 --repeat-large 1

clean:
	rm -rf $(VENV) $(DEMO)
