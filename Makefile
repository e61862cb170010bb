# One place for the commands in the README. `make help` lists them; every target that needs the
# virtual environment (.venv) creates it first, and creates it again when its Python is missing,
# broken or older than 3.11 (for example after `make chat PYTHON=python3.10`).
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
# Exits 0 only for a working Python 3.11 or newer; used on $(PYTHON) and on the venv's own python.
FITS := -c 'import sys; raise SystemExit(sys.version_info < (3, 11))'

.DEFAULT_GOAL := help
.PHONY: help setup chat check test lint bench clean

help: ## list the targets
	@echo "Wegwijzer: make TARGET (PYTHON=python3.x to choose the interpreter for .venv)"
	@awk -F':.*## ' '/^[a-z]+:.*## / { printf "  %-8s %s\n", $$1, $$2 }' $(MAKEFILE_LIST)

setup: ## create .venv and install Wegwijzer with its test tools (again when its Python does not fit)
	@if [ -e $(VENV) ] && ! $(BIN)/python $(FITS) >/dev/null 2>&1; then \
	  echo "make: $(VENV) has no working Python 3.11+; creating it again"; \
	  rm -rf $(VENV); \
	fi
	@$(MAKE) --no-print-directory --silent $(BIN)/wegwijzer

$(BIN)/wegwijzer: pyproject.toml
	@$(PYTHON) $(FITS) >/dev/null 2>&1 || { \
	  echo "make: $(PYTHON) is not a working Python 3.11 or newer; install one and run" \
	       "make PYTHON=python3.11 (or newer)"; exit 1; }
	@echo "make: installing Wegwijzer into $(VENV) with $(PYTHON) (about a minute)"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

chat: setup ## talk to the guide in this terminal (no Telegram token needed)
	$(BIN)/wegwijzer chat

check: setup ## check the guide in flows/ and name every problem
	$(BIN)/wegwijzer check flows

lint: setup ## ruff and mypy
	$(BIN)/ruff check .
	$(BIN)/mypy

test: lint ## ruff, mypy and the whole test suite (what CI runs)
	$(BIN)/pytest

bench: setup ## the end-to-end benchmark (prints figures; not part of the tests)
	$(BIN)/python bench/e2e.py

clean: ## remove .venv, caches and build output (the next target installs afresh)
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis build dist *.egg-info
