# Agora: the two commands a newcomer needs are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
TEST_DATABASE_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/agora_test
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15

.PHONY: setup setup-browser translations run test test-postgres test-sqlite migrate seed clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml $(BIN)/activate
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

# The browser tests drive Debian's chromium through Playwright (never a downloaded browser).
CHROMIUM ?= /usr/bin/chromium

$(CHROMIUM):
	@command -v apt-get >/dev/null || { echo "Install Debian's chromium package to run the browser tests."; exit 1; }
	$$( [ "$$(id -u)" = 0 ] || echo sudo ) apt-get install -y --no-install-recommends chromium \
	  || { $$( [ "$$(id -u)" = 0 ] || echo sudo ) apt-get update && $$( [ "$$(id -u)" = 0 ] || echo sudo ) apt-get install -y --no-install-recommends chromium; }

setup: $(VENV)/.installed
	$(BIN)/pybabel compile --statistics -d marketplace/translations

# After changing user-facing strings: refresh the template and the four catalogues.
translations: setup
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k lazy_ngettext:1,2 --ignore-dirs=".venv .git artifacts instance" \
	  -o marketplace/translations/messages.pot .
	$(BIN)/pybabel update --no-fuzzy-matching --ignore-obsolete -i marketplace/translations/messages.pot -d marketplace/translations --width 120

setup-browser: $(CHROMIUM)

# Everything on the embedded default: SQLite in instance/, a broker that needs no
# server, migrations, demo data, then web + worker + beat together.
run: setup
	mkdir -p instance
	AGORA_ENV=development $(BIN)/flask --app wsgi db upgrade
	AGORA_ENV=development $(BIN)/flask --app wsgi seed-demo --if-empty
	@echo "Agora runs at http://127.0.0.1:$${PORT:-5000}  (emails are printed by the 'mail' process; Ctrl-C stops all)"
	@# honcho answers Ctrl-C by stopping every process and exiting with 130: that is the normal way out, not an error.
	AGORA_ENV=development MAIL_SERVER=127.0.0.1 MAIL_PORT=$${MAIL_PORT:-8025} PATH="$(CURDIR)/$(BIN):$$PATH" \
	  $(BIN)/honcho start -f Procfile.dev || [ $$? -eq 130 ] && echo "Agora stopped: web, worker, beat and mail have ended."

# The whole suite on PostgreSQL + Redis, then again on SQLite.
test: setup setup-browser
	$(MAKE) --no-print-directory test-postgres test-sqlite

test-postgres:
	TEST_DATABASE_URL=$(TEST_DATABASE_URL) TEST_REDIS_URL=$(TEST_REDIS_URL) \
	  $(BIN)/pytest -n 2 -p no:cacheprovider

test-sqlite:
	TEST_DATABASE_URL=sqlite:// TEST_REDIS_URL=$(TEST_REDIS_URL) \
	  $(BIN)/pytest -n 2 -p no:cacheprovider -m "not worker and not browser"

migrate:
	AGORA_ENV=development $(BIN)/flask --app wsgi db upgrade

clean:
	rm -rf $(VENV) instance/*.sqlite instance/celerybeat-schedule* .pytest_cache
