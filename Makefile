# Two commands: `make run` serves the portal with demo data, `make test` runs the suite.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000
DEMO_PASSWORD ?= demo-pass-2026
# pytest-xdist workers; "auto" is one per core.
WORKERS ?= auto

.PHONY: run test install install-dev lint messages screenshots clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(PY)
	$(PIP) install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(PY)
	$(PIP) install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

## run: set up a local trial (SQLite unless DATABASE_URL is set) and serve it.
run: install
	DEBUG=true $(PY) manage.py migrate --noinput
	DEBUG=true $(PY) manage.py seed_demo --password "$(DEMO_PASSWORD)"
	@echo "Serving the portal at http://$(HOST):$(PORT)/ (Ctrl-C stops it)"
	DEBUG=true $(PY) manage.py runserver $(HOST):$(PORT)

## test: the whole suite (PostgreSQL when DATABASE_URL is set, else SQLite).
test: install-dev
	$(VENV)/bin/pytest -n $(WORKERS)

## screenshots: refresh the README's pictures in docs/screenshots (needs Chromium and CJK fonts).
screenshots: install-dev
	SCREENSHOT_DIR=docs/screenshots $(VENV)/bin/pytest -n 0 tests/browser

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

## messages: refresh locale/*.po after changing strings (needs GNU gettext).
messages: install-dev
	DEBUG=true $(PY) manage.py makemessages --locale zh_Hans --no-obsolete --ignore '.venv/*'
	DEBUG=true $(PY) manage.py compilemessages --ignore '.venv/*'

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .test-media
