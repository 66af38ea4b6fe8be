# Everything runs inside .venv, created on first use, so a fresh machine needs only python3 and make.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 4747
DATA ?= ./.busway

.PHONY: run test lint typecheck pytest bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/busway serve --host $(HOST) --port $(PORT) --data $(DATA)

lint: $(STAMP)
	$(BIN)/ruff check busway tests bench
	$(BIN)/ruff format --check busway tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/pytest

test: lint typecheck pytest

BENCH_STAMP := $(VENV)/.installed-bench

$(BENCH_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	touch $(BENCH_STAMP)

bench: $(BENCH_STAMP)
	$(BIN)/python bench/patterns.py
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/delivery.py

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
