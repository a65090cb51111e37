# The two commands: `make run` serves callkeep with demo data; `make test` runs every check.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint types unit install clean

$(BIN)/callkeep: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.test-deps: $(BIN)/callkeep
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(BIN)/callkeep

run: $(BIN)/callkeep
	$(BIN)/callkeep serve --demo --host $(HOST) --port $(PORT)

lint: $(VENV)/.test-deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

types: $(VENV)/.test-deps
	$(BIN)/mypy

unit: $(VENV)/.test-deps
	scripts/run-tests.sh $(BIN)

test: lint types unit

clean:
	rm -rf $(VENV)
