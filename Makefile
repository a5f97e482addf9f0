# Two commands do everything on a fresh machine:
#   make run    install, migrate, load the demo warehouse and its year of history, serve http://127.0.0.1:5000
#   make test   install and run every test
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HTMX := node_modules/htmx.org/dist/htmx.min.js
TRANSLATIONS := warehouse/translations
LOCALES := es pl
CATALOGUES := $(foreach l,$(LOCALES),$(TRANSLATIONS)/$(l)/LC_MESSAGES/messages.mo)
export FLASK_APP := app.py

.PHONY: setup run test pg-test bench clean translations

setup: $(VENV)/.installed $(HTMX) $(CATALOGUES)

$(VENV)/.installed: requirements.txt
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -r requirements.txt
	touch $@

$(HTMX): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Compiled catalogues are built here, never committed (the .po files are the source).
$(TRANSLATIONS)/%/LC_MESSAGES/messages.mo: $(TRANSLATIONS)/%/LC_MESSAGES/messages.po $(VENV)/.installed
	$(BIN)/pybabel -q compile -d $(TRANSLATIONS) -l $*

# After marking new text: extract every marked message into messages.pot and merge it
# into each language's messages.po; then translate the new entries (empty msgstr) there.
translations: setup
	$(BIN)/pybabel -q extract -F $(TRANSLATIONS)/babel.cfg -k msg -k _l -k lazy_gettext -k lazy_pgettext:1c,2 -k _p:1c,2 \
		--sort-by-file --no-wrap -o $(TRANSLATIONS)/messages.pot .
	$(BIN)/pybabel -q update -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS) \
		--no-fuzzy-matching --ignore-obsolete --no-wrap
	$(MAKE) setup

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
