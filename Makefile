# Two commands for a newcomer: `make demo` and `make test`.
# Both create .venv with the Python found as $(PYTHON) (3.11 or newer).

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test

PDS_DIR := tests/pds
PDS_STAMP := $(PDS_DIR)/node_modules/.installed
HAVE_NODE := $(shell command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 && echo yes)

.PHONY: demo test lint typecheck check format clean pds

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "postbot needs Python 3.11 or newer: run make PYTHON=python3.11 ...")'
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(TEST_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@ $(STAMP)

## demo: the daemon in dry-run on the sample articles (no accounts or secrets needed)
demo: $(STAMP)
	$(BIN)/postbot run --dry-run --for 21s

## test: ruff, mypy and the whole test suite (with the real Bluesky PDS when node and npm exist)
test: $(TEST_STAMP) lint typecheck $(if $(HAVE_NODE),pds)
	$(BIN)/pytest

## pds: install the real Bluesky PDS the tests start (tests/pds, needs node and npm)
pds: $(PDS_STAMP)

# better-sqlite3 is compiled against the local Node headers (its prebuilt
# download may be unreachable). A failed install is reported, not fatal: the
# PDS tests then skip with a message (CI makes them required).
$(PDS_STAMP): $(PDS_DIR)/package.json $(PDS_DIR)/package-lock.json
	@echo "installing the test PDS into $(PDS_DIR)/node_modules (about a minute, once)"
	@cd $(PDS_DIR) && prefix=$$(node -p 'require("path").resolve(process.execPath, "../..")') && \
	  if npm_config_build_from_source=better-sqlite3 npm_config_nodedir=$$prefix \
	     npm ci --no-audit --no-fund --loglevel=error; then touch node_modules/.installed; \
	  else echo "warning: could not install the test PDS; its tests will be skipped" >&2; fi

lint: $(TEST_STAMP)
	$(BIN)/ruff check bot tests bench
	$(BIN)/ruff format --check bot tests bench

typecheck: $(TEST_STAMP)
	$(BIN)/mypy

format: $(TEST_STAMP)
	$(BIN)/ruff format bot tests bench
	$(BIN)/ruff check --fix bot tests bench

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis $(PDS_DIR)/node_modules
