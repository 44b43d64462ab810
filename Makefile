# resettle: `make demo` runs the main job on the embedded setup, `make test` runs the tests.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export DO_NOT_TRACK := 1
export GX_ANALYTICS_ENABLED := False
export SCARF_ANALYTICS := false

.DEFAULT_GOAL := help

.PHONY: help
help: ## list the targets
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  %-16s %s\n", $$1, $$2}'

# Byte-compiled at install: every Airflow task, dbt build and test process would otherwise compile
# Airflow, dbt and Great Expectations from source when bytecode is not written (PYTHONDONTWRITEBYTECODE).
$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check "$$(grep '^uv==' constraints.txt)"
	$(BIN)/uv pip install --quiet --compile-bytecode --python $(BIN)/python -c constraints.txt -e '.[dev]'
	@touch $(STAMP)

.PHONY: venv
venv: $(STAMP) ## create or update .venv from pyproject.toml and constraints.txt

.PHONY: demo
demo: $(STAMP) ## warehouse up, generate three months, run them, show what was built
	$(BIN)/resettle demo

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: browser
browser: ## Debian's Chromium, CJK fonts, poppler (PDF to PNG) for the browser and print tests, Redis for the Celery test
	@command -v chromium >/dev/null && command -v pdftoppm >/dev/null && command -v redis-server >/dev/null \
	  && fc-list :lang=zh 2>/dev/null | grep -q . || { \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends chromium fonts-noto-cjk \
	    poppler-utils redis-server; }

# Three workers on two cores: much of a test's time is spent waiting for the processes it started (Airflow's
# services, a `resettle run`, Streamlit, Chromium), and a third worker keeps both cores busy meanwhile.
.PHONY: test
test: $(STAMP) browser ## run the test suite (starts its own PostgreSQL, Airflow, dashboard and browser)
	$(BIN)/pytest -n 3 --dist loadgroup

.PHONY: test-fast
test-fast: $(STAMP) ## unit and DAG tests only (no warehouse, no Airflow services)
	$(BIN)/pytest -m "not integration"

.PHONY: lint
lint: $(STAMP) ## ruff (lint and format), sqlfluff, mypy and the import layers
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/sqlfluff lint dbt_project/models dbt_project/macros dbt_project/tests
	$(BIN)/mypy
	$(BIN)/lint-imports

.PHONY: dashboard
dashboard: $(STAMP) ## the leadership dashboard on the embedded warehouse, with demo users
	$(BIN)/resettle dashboard --demo-users

.PHONY: manifest
manifest: $(STAMP) ## pre-build dbt_project/target/manifest.json (what Airflow renders dbt from)
	$(BIN)/resettle dbt parse

.PHONY: lock
lock: ## re-resolve constraints.txt from pyproject.toml
	rm -f $(STAMP)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip install --python $(BIN)/python -e '.[dev]'
	( sed -n '1,2p' constraints.txt; $(BIN)/uv pip freeze --python $(BIN)/python | grep -v -e '^-e' -e '^resettle' ) > constraints.new
	mv constraints.new constraints.txt
	@touch $(STAMP)

.PHONY: down
down: $(STAMP) ## stop the embedded Airflow services and warehouse
	$(BIN)/resettle airflow down
	$(BIN)/resettle warehouse down

.PHONY: clean
clean: ## remove generated data and embedded state (stops services first)
	-$(BIN)/resettle airflow down
	-$(BIN)/resettle warehouse down
	rm -rf .resettle data dbt_project/target dbt_project/logs
