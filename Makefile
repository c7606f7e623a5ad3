# Two commands for a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
DEMO   ?= demo-workspace

.PHONY: demo test lint install clean

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

clean:
	rm -rf $(VENV) $(DEMO)
