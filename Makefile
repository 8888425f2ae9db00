# segkit — two commands do all set-up: `make demo` (the main job) and `make test`.
# Both create ./.venv on first use with Python ≥ 3.11 and install segkit with its test and
# spark extras (the Spark tests need Java 17 and skip without it); scripts/system-deps.sh adds
# a CJK font and chromium (Debian, as root) when they are missing.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint bench venv clean-venv sysdeps

$(STAMP): pyproject.toml
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "segkit needs Python >= 3.11"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,spark]'
	$(BIN)/python -m ipykernel install --sys-prefix --name segkit --display-name 'segkit (Python 3)' >/dev/null
	touch $(STAMP)

venv: $(STAMP)

## System packages (a no-op when present): fonts-wqy-microhei, chromium
sysdeps:
	@bash scripts/system-deps.sh

## The main job: a full report run on the demo company → reports/demo/<run>/report.html
demo: sysdeps $(STAMP)
	$(BIN)/segkit report --demo

## The whole test suite: lint, format check, type check, unit + integration tests, doctests,
## then every notebook on its own with its default parameters (nbval: runs, no output compare)
test: sysdeps $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python -m pytest
	$(BIN)/python -m pytest --nbval-lax notebooks/

lint: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## Benchmarks (on demand, not part of the tests); needs the bench extras
bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python benchmarks/profile.py --rows 1000000 10000000 --formats parquet csv
	$(BIN)/python benchmarks/report.py --customers 100000

clean-venv:
	rm -rf $(VENV)
