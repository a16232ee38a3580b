# kefu-warehouse: `make run` builds a sample warehouse, `make test` runs the test suite.
# Both create .venv and install the project on first use, and are safe to run again.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SCALE ?= 0.1
SEED ?= 42

BI_VENV := .venv-bi
BI_STAMP := $(BI_VENV)/.installed

.PHONY: run test lint ui bi bi-install bench docs clean install

install: $(STAMP)

# Reinstall whenever the dependency pins change.
$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "needs $(PYTHON) on PATH (or make PYTHON=...)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,lint,spark]'
	touch $(STAMP)

# Apache Superset in a venv of its own: its pandas and SQLAlchemy pins conflict with the pipeline's
bi-install: $(BI_STAMP)

$(BI_STAMP): bi/superset/requirements.txt
	test -x $(BI_VENV)/bin/python || $(PYTHON) -m venv $(BI_VENV)
	$(BI_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(BI_VENV)/bin/python -m pip install --quiet -r bi/superset/requirements.txt
	touch $(BI_STAMP)

run: $(STAMP)
	$(BIN)/kefu run --scale $(SCALE) --seed $(SEED)

# two workers (the machine's two cores); tests that share a module or Spark build stay on one
test: $(STAMP) $(BI_STAMP)
	$(BIN)/python -m pytest -n 2 --dist loadgroup

# ruff (format and check; pyproject.toml) and sqlfluff over the dbt project (.sqlfluff): the dbt
# templater compiles each model against an empty workspace of its own
lint: $(STAMP)
	$(BIN)/ruff format --check kefu dagster_defs tests bi
	$(BIN)/ruff check kefu dagster_defs tests bi
	@home=$$(mktemp -d) && mkdir -p $$home/warehouse && \
	KEFU_HOME=$$home KEFU_PII_KEY=lint-only $(BIN)/sqlfluff lint --processes 2 dbt_project/models dbt_project/tests; \
	status=$$?; rm -rf $$home; exit $$status

ui: $(STAMP)
	$(BIN)/kefu ui

# Superset over the published snapshot (after `make run` or `kefu build`), on 127.0.0.1:8088
bi: $(STAMP) $(BI_STAMP)
	$(BIN)/kefu bi

bench: $(STAMP)
	$(BIN)/kefu bench --scale $(SCALE) --seed $(SEED)

clean:
	rm -rf landing lake warehouse published lineage dbt_project/target dbt_project/logs .dagster_home
