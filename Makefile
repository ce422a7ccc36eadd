# The two commands of the README: `make demo` and `make test`. Both create the virtual
# environment and install what they need on a fresh machine with Python 3.11+ and npm.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
export PATH := $(CURDIR)/$(BIN):$(PATH)

DEMO_ENV := DEBUG=true

.PHONY: demo test lint typecheck pytest install install-dev assets migrate seed clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	@echo "==> Installing the help desk into $(VENV)"
	$(BIN)/pip install --quiet --progress-bar on -e .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	@echo "==> Installing the help desk and its development tools into $(VENV)"
	$(BIN)/pip install --quiet --progress-bar on -e ".[dev]"
	@touch $(VENV)/.installed $@

node_modules/.installed: package.json package-lock.json
	@echo "==> Installing front-end libraries from package-lock.json"
	npm ci --no-audit --no-fund
	@touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev
assets: node_modules/.installed

demo: install assets
	@mkdir -p var/mail var/broker
	@echo "==> Preparing the demo database (SQLite in var/)"
	$(DEMO_ENV) $(BIN)/python manage.py migrate --no-input
	$(DEMO_ENV) $(BIN)/python manage.py seed_demo
	@echo ""
	@echo "==> The help desk runs at http://127.0.0.1:8000  (Ctrl-C stops the web server, worker and beat)"
	@echo ""
	$(DEMO_ENV) $(BIN)/honcho --procfile Procfile.demo start

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install-dev
	DEBUG=true $(BIN)/mypy

pytest: install-dev assets
	$(BIN)/pytest --create-db $(PYTEST_ARGS)

test: lint typecheck pytest

clean:
	rm -rf var staticfiles
