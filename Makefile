# segkit — two commands do all set-up: `make demo` (the main job) and `make test`.
# Both create ./.venv on first use with Python ≥ 3.11 and install the versions pinned in
# requirements.lock (segkit; `make test` adds its test and spark extras from
# requirements-test.lock; the Spark tests need Java 17 and skip without it) with uv, a fast installer from PyPI, falling back to pip; each set-up stage
# prints one line with its usual duration (scripts/setup-venv.sh). scripts/system-deps.sh adds
# a CJK font and chromium (Debian, as root) when they are missing. The durations are wall times
# measured on this project's 2-core machine (README: "Two commands").

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
LOCK   := requirements.lock
TEST_LOCK  := requirements-test.lock
TEST_STAMP := $(VENV)/.installed-test
# uv copies from its cache: hard links fail (with a warning) when the cache is on another disk
export UV_LINK_MODE ?= copy

.PHONY: demo test test-fast lint-check unit-tests slow-tests spark-tests notebook-tests \
        lint bench venv lock clean-venv sysdeps

## segkit and what it runs on (make demo); then the test and Spark extras (make test)
$(STAMP): pyproject.toml $(LOCK) scripts/setup-venv.sh
	@bash scripts/setup-venv.sh $(PYTHON) $(VENV) $(LOCK)
	@touch $(STAMP)

$(TEST_STAMP): $(STAMP) $(TEST_LOCK)
	@bash scripts/setup-venv.sh extras $(VENV) $(TEST_LOCK)
	@touch $(TEST_STAMP)

venv: $(TEST_STAMP)

## Re-pin both lock files after a change of pyproject.toml's dependencies (with the venv's uv);
## requirements.lock is constrained by requirements-test.lock, so shared pins are equal
lock: $(STAMP)
	$(BIN)/uv pip compile pyproject.toml --extra test --extra spark --universal \
	    --python-version 3.11 --quiet -o $(TEST_LOCK)
	$(BIN)/uv pip compile pyproject.toml --universal --python-version 3.11 --quiet \
	    -c $(TEST_LOCK) -o $(LOCK)

## System packages (a no-op when present): fonts-wqy-microhei, chromium
sysdeps:
	@bash scripts/system-deps.sh

## The main job: a full report run on the demo company → reports/demo/<run>/report.html
demo: sysdeps $(STAMP)
	@echo "segkit demo: a report run on 10,000 demo customers (about 1 min; 2–3 min on a busy machine)"
	@$(BIN)/segkit report --demo

## The whole test suite, in parts, each announced: lint and types, unit tests, slow tests (report
## runs, chained notebooks, real data), Spark, then every notebook on its own with nbval (runs,
## no output compare). What CI runs (.ci/run).
test: sysdeps $(TEST_STAMP)
	@$(MAKE) --no-print-directory lint-check unit-tests slow-tests spark-tests notebook-tests

## For development: lint, types and the unit tests (no Spark, no notebooks, no slow tests)
test-fast: $(TEST_STAMP)
	@$(MAKE) --no-print-directory lint-check unit-tests

lint-check: $(TEST_STAMP)
	@echo "segkit test [lint] ruff check, ruff format --check, mypy (about 1 min)"
	@$(BIN)/ruff check .
	@$(BIN)/ruff format --check .
	@$(BIN)/mypy

unit-tests: $(TEST_STAMP)
	@echo "segkit test [unit] pytest: unit, property, doctests, corpus (5–9 min)"
	@$(BIN)/python -m pytest -m "not slow and not spark"

slow-tests: $(TEST_STAMP)
	@echo "segkit test [slow] pytest: report runs, chained notebooks, long checks (3–7 min)"
	@$(BIN)/python -m pytest -m "slow and not spark"

spark-tests: $(TEST_STAMP)
	@echo "segkit test [spark] pytest: DuckDB = Spark, one local SparkSession (about 1 min)"
	@$(BIN)/python -m pytest -m "spark"

notebook-tests: $(TEST_STAMP)
	@echo "segkit test [notebooks] every notebook on its own with nbval (about 1.5 min)"
	@$(BIN)/python -m pytest -p tests.nbval_setup --nbval-lax notebooks/

lint: $(TEST_STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## Benchmarks (on demand, not part of the tests); needs the bench extras
bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python benchmarks/profile.py --rows 1000000 10000000 --formats parquet csv
	$(BIN)/python benchmarks/report.py --customers 100000

clean-venv:
	rm -rf $(VENV)
