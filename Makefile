# Two commands do everything on a fresh machine:
#   make run    install, migrate, load the demo warehouse and its year of history, serve http://127.0.0.1:5000
#   make test   install and run every test
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HTMX := node_modules/htmx.org/dist/htmx.min.js
export FLASK_APP := app.py

.PHONY: setup run test pg-test bench clean

setup: $(VENV)/.installed $(HTMX)

$(VENV)/.installed: requirements.txt
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -r requirements.txt
	touch $@

$(HTMX): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

run: setup
	$(BIN)/flask db upgrade
	$(BIN)/flask demo --history
	WEBHOOK_ALLOW_PRIVATE_ADDRESSES=1 $(BIN)/flask run --host 127.0.0.1 --port 5000  # dev: local webhook receivers

# Lint (ruff), format check, the layers (lint-imports, contracts in .importlinter), then every test.
test: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -n auto

# The same tests with PostgreSQL as well, in a throwaway cluster (needs postgresql-common).
pg-test: setup
	pg_virtualenv -t -v 15 sh -c 'TEST_DATABASE_URL="postgresql+psycopg://$$PGUSER:$$PGPASSWORD@$$PGHOST:$$PGPORT/$$PGDATABASE" $(BIN)/python -m pytest'

bench: setup
	$(BIN)/python bench/ledger.py

clean:
	rm -rf $(VENV) node_modules .pytest_cache .hypothesis
