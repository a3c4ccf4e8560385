# Sales Warehouse: `make build` (main job) and `make test` (lint + every test).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SCALE ?= 1
SEED ?= 42

export DBT_PROFILES_DIR := $(CURDIR)
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export SALES_WAREHOUSE_RAW := $(abspath $(or $(SALES_WAREHOUSE_RAW),data/raw))
export SALES_WAREHOUSE_DB := $(abspath $(or $(SALES_WAREHOUSE_DB),data/warehouse.duckdb))

.PHONY: help setup data build docs lint test test-python bench bench-scale bench-incremental clean clean-warehouse \
	setup-postgres serve serve-stop reports setup-chromium

help:
	@echo "make build   set up .venv, generate demo data if missing, dbt build on DuckDB"
	@echo "make test    set up, lint (ruff, sqlfluff) and run every test"
	@echo "make docs    dbt docs generate (static page in target/static_index.html)"
	@echo "make reports the report site (target/reports/index.html) from the published warehouse"
	@echo "make bench   generator and build benchmarks (prints figures)"
	@echo "make serve   start the serving PostgreSQL, publish the warehouse into it, print the logins"
	@echo "make serve-stop  stop the serving PostgreSQL"

$(VENV)/.installed: requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

setup: $(VENV)/.installed

$(SALES_WAREHOUSE_RAW)/manifest.json: | setup
	$(BIN)/sales-warehouse generate --scale $(SCALE) --seed $(SEED) --out $(SALES_WAREHOUSE_RAW)

data: $(SALES_WAREHOUSE_RAW)/manifest.json

# Write-audit-publish: dbt build and the metric exports run on a candidate copy; the published
# file users and BI tools read is replaced atomically only when everything passed.
build: setup data
	mkdir -p $(dir $(SALES_WAREHOUSE_DB))
	$(BIN)/sales-warehouse build
	$(BIN)/sales-warehouse reports build
	@echo
	@echo "Warehouse: $(SALES_WAREHOUSE_DB)"
	@echo "Reports:   $(CURDIR)/target/reports/index.html (opens from file://, no network)"
	@echo "Open it:   $(BIN)/python -c \"import duckdb; duckdb.connect('$(SALES_WAREHOUSE_DB)', read_only=True, config={'enable_external_access': False}).sql('show all tables').show()\""
	@echo "Docs:      make docs, then $(BIN)/dbt docs serve (or open target/static_index.html)"

# The catalog is read from a copy of the published warehouse: never the file BI tools hold open.
docs: setup data
	mkdir -p target
	if [ -f $(SALES_WAREHOUSE_DB) ]; then cp $(SALES_WAREHOUSE_DB) target/docs_catalog.duckdb; fi
	SALES_WAREHOUSE_BUILD_DB=$(CURDIR)/target/docs_catalog.duckdb SALES_WAREHOUSE_PUBLISHING=1 $(BIN)/dbt docs generate --static

lint: setup
	$(BIN)/ruff check src tests python_models benchmarks
	$(BIN)/ruff format --check src tests python_models benchmarks
	$(BIN)/sqlfluff lint models data-tests analyses snapshots --processes 2

test-python: setup
	$(BIN)/pytest

test: setup setup-postgres setup-chromium lint test-python

# The report site from the published warehouse (target/reports); `make build` runs it too.
reports: setup
	$(BIN)/sales-warehouse reports build

# Headless Chromium for the report pages' browser tests (Debian's package), installed only where missing.
setup-chromium:
	@command -v chromium >/dev/null || { \
		sudo=$$(test "$$(id -u)" = 0 || echo sudo); \
		$$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium \
		|| { $$sudo apt-get update && $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; }; }

bench: setup
	$(BIN)/python benchmarks/bench_generator.py
	$(BIN)/python benchmarks/bench_build.py
	$(BIN)/python benchmarks/bench_reports.py
	$(BIN)/python benchmarks/bench_forecast.py
	$(BIN)/python benchmarks/bench_clustering.py
	$(BIN)/python benchmarks/bench_python_models.py
	$(BIN)/python benchmarks/bench_recommendations.py

# The main job along a scaling curve (scale 67 = ~10.9M order lines; minutes and several GB).
SCALES ?= 1 10 67
bench-scale: setup
	$(BIN)/python benchmarks/bench_scale.py --scales $(SCALES)

bench-incremental: setup
	$(BIN)/python benchmarks/bench_incremental.py --scales $(SCALES)

# The serving PostgreSQL (PostgreSQL 15, Debian's package): installed only where it is missing, so
# `make test` on a fresh machine gets the server its tests start. `make build` never needs it.
PG_BIN ?= /usr/lib/postgresql/15/bin
export SALES_WAREHOUSE_PG_BIN := $(PG_BIN)
setup-postgres:
	@test -x $(PG_BIN)/initdb || { \
		sudo=$$(test "$$(id -u)" = 0 || echo sudo); \
		$$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql \
		|| { $$sudo apt-get update && $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql; }; }

# Start (initialised once under data/serving), publish the warehouse (built first if missing),
# apply the access policy, print one connection string per demo login.
serve: setup setup-postgres
	test -f $(SALES_WAREHOUSE_DB) || $(MAKE) build
	$(BIN)/sales-warehouse serve start
	$(BIN)/sales-warehouse serve publish

serve-stop: setup
	$(BIN)/sales-warehouse serve stop

# Build output only: never the raw data, the published warehouse or its snapshot history.
clean:
	rm -rf target logs
	rm -f $(basename $(SALES_WAREHOUSE_DB)).candidate.duckdb $(basename $(SALES_WAREHOUSE_DB)).candidate.duckdb.wal

# Deletes the published warehouse (and its snapshot history) and the generated raw data. Explicit
# on purpose: make clean-warehouse CONFIRM=yes
clean-warehouse:
	@test "$(CONFIRM)" = yes || { echo "This deletes $(SALES_WAREHOUSE_DB) (snapshot history included) and $(SALES_WAREHOUSE_RAW); run: make clean-warehouse CONFIRM=yes"; exit 1; }
	rm -f $(SALES_WAREHOUSE_DB) $(SALES_WAREHOUSE_DB).wal $(basename $(SALES_WAREHOUSE_DB)).*.duckdb
	rm -rf $(SALES_WAREHOUSE_RAW)
