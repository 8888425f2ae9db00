# segkit — two commands do all set-up: `make demo` (the main job) and `make test`.
# Both create ./.venv on first use with Python ≥ 3.11 and install the versions pinned in
# requirements.lock (segkit with its test and spark extras; the Spark tests need Java 17 and
# skip without it) with uv, a fast installer from PyPI, falling back to pip; each set-up stage
# prints one line with its usual duration (scripts/setup-venv.sh). scripts/system-deps.sh adds
# a CJK font and chromium (Debian, as root) when they are missing. The durations are wall times
# measured on this project's 2-core machine (README: "Two commands").

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
LOCK   := requirements.lock
# uv copies from its cache: hard links fail (with a warning) when the cache is on another disk
export UV_LINK_MODE ?= copy

.PHONY: demo test test-fast lint-check unit-tests slow-tests spark-tests notebook-tests \
        lint bench venv lock clean-venv sysdeps

$(STAMP): pyproject.toml $(LOCK) scripts/setup-venv.sh
	@bash scripts/setup-venv.sh $(PYTHON) $(VENV) $(LOCK)
	@touch $(STAMP)

venv: $(STAMP)

## Re-pin requirements.lock after a change of pyproject.toml's dependencies (needs the venv's uv)
lock: $(STAMP)
	$(BIN)/uv pip compile pyproject.toml --extra test --extra spark --universal \
	    --python-version 3.11 --quiet -o $(LOCK)

## System packages (a no-op when present): fonts-wqy-microhei, chromium
sysdeps:
	@bash scripts/system-deps.sh

## The main job: a full report run on the demo company → reports/demo/<run>/report.html
demo: sysdeps $(STAMP)
	@echo "segkit demo: a report run on 10,000 demo customers (about 1 min)"
	@$(BIN)/segkit report --demo

## The whole test suite, in parts, each announced: lint and types, unit tests, slow tests (report
## runs, chained notebooks, real data), Spark, then every notebook on its own with nbval (runs,
## no output compare). What CI runs (.ci/run).
test: sysdeps $(STAMP)
	@$(MAKE) --no-print-directory lint-check unit-tests slow-tests spark-tests notebook-tests

## For development: lint, types and the unit tests (no Spark, no notebooks, no slow tests)
test-fast: $(STAMP)
	@$(MAKE) --no-print-directory lint-check unit-tests

lint-check: $(STAMP)
	@echo "segkit test [lint] ruff check, ruff format --check, mypy (about 1 min)"
	@$(BIN)/ruff check .
	@$(BIN)/ruff format --check .
	@$(BIN)/mypy

unit-tests: $(STAMP)
	@echo "segkit test [unit] pytest: unit, property, doctests, corpus (about 6 min)"
	@$(BIN)/python -m pytest -m "not slow and not spark"

slow-tests: $(STAMP)
	@echo "segkit test [slow] pytest: report runs, chained notebooks, long checks (about 5 min)"
	@$(BIN)/python -m pytest -m "slow and not spark"

spark-tests: $(STAMP)
	@echo "segkit test [spark] pytest: DuckDB = Spark, one local SparkSession (about 3 min)"
	@$(BIN)/python -m pytest -m "spark"

notebook-tests: $(STAMP)
	@echo "segkit test [notebooks] every notebook on its own with nbval (about 2 min)"
	@$(BIN)/python -m pytest --nbval-lax notebooks/

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
