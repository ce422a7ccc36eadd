# The two commands of the README: `make demo` and `make test`. Both create the virtual
# environment and install what they need on a fresh machine with Python 3.11+ and npm.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
export PATH := $(CURDIR)/$(BIN):$(PATH)

# Python packages install exactly as uv.lock has them (`uv lock` updates it after an edit
# of pyproject.toml; `uv sync --locked` refuses a lock that no longer matches). uv itself
# is bootstrapped from PyPI into the same virtual environment, at this version, with pip.
# It trusts the system's certificates (as pip does), not only the ones built into it: a
# TLS proxy's own authority is among the former.
UV_VERSION := 0.13.9
UV := $(BIN)/uv
UV_SYNC = UV_PROJECT_ENVIRONMENT="$(abspath $(VENV))" $(UV) sync --locked --no-python-downloads \
	--system-certs

# The demo's settings: development mode (no SECRET_KEY of one's own, plain HTTP on
# 127.0.0.1) with the default database, broker and mail under var/. Production sets none.
# The demo's /metrics answers this token (docs/production.md, "Metrics"); a real
# installation sets its own METRICS_TOKEN, or has no such page.
DEMO_METRICS_TOKEN := demo-metrics-token-not-secret
DEMO_ENV := DEBUG=true METRICS_TOKEN=$(DEMO_METRICS_TOKEN)

.PHONY: demo test lint typecheck pytest install install-dev assets messages migrate manage seed clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Only when a stamp is out of date: a second `make test` neither installs nor asks PyPI.
define uv_bootstrap
	@$(UV) --version 2>/dev/null | grep -q "^uv $(UV_VERSION) " \
		|| $(BIN)/pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"
endef

# The project itself is installed editable (uv's default), as `pip install -e .` did. A
# checkout that has the development tools keeps them: a bare `uv sync` would remove them.
$(VENV)/.installed: pyproject.toml uv.lock | $(BIN)/python
	@echo "==> Installing the help desk into $(VENV) from uv.lock"
	$(uv_bootstrap)
	$(UV_SYNC) $(if $(wildcard $(VENV)/.installed-dev),--extra dev)
	@touch $@ $(wildcard $(VENV)/.installed-dev)

$(VENV)/.installed-dev: pyproject.toml uv.lock | $(BIN)/python
	@echo "==> Installing the help desk and its development tools into $(VENV) from uv.lock"
	$(uv_bootstrap)
	$(UV_SYNC) --extra dev
	@touch $(VENV)/.installed $@

node_modules/.installed: package.json package-lock.json
	@echo "==> Installing front-end libraries from package-lock.json"
	npm ci --no-audit --no-fund
	@touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev
assets: node_modules/.installed

# The translations' compiled catalogues (.mo) are built, never committed (.gitignore),
# each from its .po, and again only when that changes. GNU gettext's msgfmt does the work
# (Debian's gettext package). compilemessages looks for locale/ folders under the
# checkout: not in the installed packages, the front-end libraries or the demo's data.
PO_FILES := $(wildcard locale/*/LC_MESSAGES/*.po)
COMPILE_IGNORE := --ignore=.venv --ignore=node_modules --ignore=var --ignore=staticfiles
messages: $(PO_FILES:.po=.mo)

locale/%.mo: locale/%.po | $(VENV)/.installed
	$(DEMO_ENV) $(BIN)/python manage.py compilemessages $(COMPILE_IGNORE)

migrate: install
	@mkdir -p var/mail var/broker
	@echo "==> Preparing the demo database (SQLite in var/)"
	$(DEMO_ENV) $(BIN)/python manage.py migrate --no-input

demo: migrate assets messages
	$(DEMO_ENV) $(BIN)/python manage.py seed_demo
	@echo ""
	@echo "==> The help desk runs at http://127.0.0.1:8000  (Ctrl-C stops the web server, worker and beat)"
	@echo ""
	$(DEMO_ENV) $(BIN)/honcho --procfile Procfile.demo start

# Any management command with the demo's settings, on the demo's database brought up to
# date first (as `make demo` does), so that it also works before the first demo:
#   make manage ARGS="sla_preview --tier base --severity S1 --opened 2026-11-24T10:00:00+01:00"
# Silent itself, so that what it prints is the command's output alone.
manage: install messages
	@mkdir -p var/mail var/broker
	@$(DEMO_ENV) $(BIN)/python manage.py migrate --no-input --verbosity 0
	@$(DEMO_ENV) $(BIN)/python manage.py $(ARGS)

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install-dev
	DEBUG=true $(BIN)/mypy

# One process per core, at most four (pytest-xdist), each with a test database and two
# Redis databases of its own after the one REDIS_URL names (tests/settings.py). Tests go
# to whichever process is free, in the order pytest-django sorts them (those that empty
# the database last: "--dist worksteal" would run them before others in a process).
pytest: install-dev assets messages
	$(BIN)/pytest --create-db -n auto --maxprocesses 4 $(PYTEST_ARGS)

test: lint typecheck pytest

clean:
	rm -rf var staticfiles
