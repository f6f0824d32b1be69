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

# Where `make backup` writes its dated folders (they hold personal data: keep them private).
BACKUP_DIR ?= backups

.PHONY: run test install install-dev lint messages screenshots clean backup restore bench bench-million

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

# The local trial runs as production does, with DEBUG off (the portal's own error pages,
# static files collected and served by whitenoise), but over plain HTTP, serving uploads
# itself, with a secret key made once for this checkout (kept in .venv, gone with `make clean`).
TRIAL_KEY := $(VENV)/trial-secret-key
# Links in the trial's emails: its own address (set SITE_URL to override, e.g. when
# serving on 0.0.0.0 for other machines).
TRIAL_SITE_URL = $(or $(SITE_URL),http://$(HOST):$(PORT))
TRIAL_ENV = DEBUG=false SECRET_KEY="$$(cat $(TRIAL_KEY))" SECURE_SSL_REDIRECT=false \
	SESSION_COOKIE_SECURE=false CSRF_COOKIE_SECURE=false SERVE_MEDIA=true TRUSTED_PROXY_COUNT=0 \
	SITE_URL=$(TRIAL_SITE_URL)

$(TRIAL_KEY): | $(PY)
	$(PY) -c "import secrets; print(secrets.token_urlsafe(50))" > $@

## run: set up a local trial (SQLite unless DATABASE_URL is set) and serve it.
run: install $(TRIAL_KEY)
	DEBUG=true $(PY) manage.py migrate --noinput
	DEBUG=true $(PY) manage.py seed_demo --password "$(DEMO_PASSWORD)"
	$(TRIAL_ENV) $(PY) manage.py collectstatic --noinput --verbosity 0
	@echo "Serving the portal at http://$(HOST):$(PORT)/ (Ctrl-C stops it)"
	$(TRIAL_ENV) $(PY) manage.py runserver $(HOST):$(PORT)

## test: the whole suite (PostgreSQL when DATABASE_URL is set, else SQLite).
test: install-dev
	$(VENV)/bin/pytest -n $(WORKERS)

## backup: the database (PostgreSQL: pg_dump --format=custom) and MEDIA_ROOT into a new
## dated folder under BACKUP_DIR.
backup: install
	$(PY) manage.py backup --output-dir "$(BACKUP_DIR)"

## restore: BACKUP=<folder from make backup> into DATABASE_URL, a new, empty database
## (createdb it first), and its files into MEDIA_ROOT.
restore: install
	@test -n "$(BACKUP)" || { echo "usage: make restore BACKUP=$(BACKUP_DIR)/portal-<date>" >&2; exit 2; }
	$(PY) manage.py restore "$(BACKUP)"

## screenshots: refresh the README's pictures in docs/screenshots (needs Chromium and CJK fonts).
screenshots: install-dev
	SCREENSHOT_DIR=docs/screenshots $(VENV)/bin/pytest -n 0 tests/browser

## bench: time the main pages on PostgreSQL with the demo data at two sizes and compare,
## then measure the key pages' throughput under gunicorn on the large data (creates and
## replaces the databases bench_small and bench_large on BENCH_HOST; needs createdb/dropdb;
## about five minutes), then bench-million (about fifteen more; BENCH_MILLION=no skips it).
## Not a test: the tests pin query counts.
BENCH_HOST ?= 127.0.0.1
BENCH_USER ?= postgres
BENCH_LARGE ?= --members 10000 --activities 2000 --requests 5000
BENCH_SECRET_KEY := bench-only-not-secret-0123456789-abcdefghijklmnopqrstuvwxyz
# Seconds per throughput measurement (three rounds of 17 measurements).
BENCH_SECONDS ?= 2
bench: install
	@set -e; for size in small large; do \
	  dropdb --if-exists -h $(BENCH_HOST) -U $(BENCH_USER) bench_$$size; \
	  createdb -h $(BENCH_HOST) -U $(BENCH_USER) bench_$$size; \
	  export DATABASE_URL="postgres://$(BENCH_USER)@$(BENCH_HOST):5432/bench_$$size"; \
	  $(PY) manage.py migrate --noinput -v0; \
	  if [ $$size = large ]; then args="$(BENCH_LARGE)"; else args=""; fi; \
	  DEBUG=true $(PY) manage.py seed_demo --password "$(DEMO_PASSWORD)" $$args > /dev/null; \
	  $(PY) -c "import psycopg2,sys; c=psycopg2.connect(sys.argv[1]); c.autocommit=True; c.cursor().execute('VACUUM ANALYZE')" "$$DATABASE_URL"; \
	done
	@# Small and large timed by turns, twice (the best of each kept): this machine's speed
	@# drifts by half within minutes, which a ratio of two runs far apart would show.
	@set -e; for round in 1 2; do for size in small large; do \
	  if [ $$size = large ]; then people=500; else people=50; fi; \
	  echo "== $$size ($$round)"; \
	  DATABASE_URL="postgres://$(BENCH_USER)@$(BENCH_HOST):5432/bench_$$size" DEBUG=false \
	    SECRET_KEY=$(BENCH_SECRET_KEY) $(PY) manage.py bench --people $$people \
	    --output .venv/bench-$$size-$$round.json 2>/dev/null; \
	done; done
	@$(PY) manage.py bench --compare .venv/bench-small-1.json,.venv/bench-small-2.json \
	  .venv/bench-large-1.json,.venv/bench-large-2.json
	@echo; echo "== throughput (large)"
	@DATABASE_URL="postgres://$(BENCH_USER)@$(BENCH_HOST):5432/bench_large" DEBUG=false \
	  SECRET_KEY=$(BENCH_SECRET_KEY) $(PY) manage.py bench --throughput \
	  --seconds $(BENCH_SECONDS) --output .venv/bench-throughput.json
	@if [ "$(BENCH_MILLION)" = yes ]; then $(MAKE) --no-print-directory bench-million; fi

# A million members (issue 13): seed_demo, then seed_scale (COPY), compared with bench_large.
BENCH_MILLION ?= yes
BENCH_HUGE ?= --members 1000000 --activities 100000 --signups 2000000
## bench-million: the same pages on a million members, 100,000 activities and 2,000,000
## sign-ups (database bench_million, replaced; about three minutes to fill), timed by turns
## with bench_large of `make bench` (which runs this at its end unless BENCH_MILLION=no).
bench-million: install
	@set -e; dropdb --if-exists -h $(BENCH_HOST) -U $(BENCH_USER) bench_million; \
	  createdb -h $(BENCH_HOST) -U $(BENCH_USER) bench_million; \
	  export DATABASE_URL="postgres://$(BENCH_USER)@$(BENCH_HOST):5432/bench_million"; \
	  $(PY) manage.py migrate --noinput -v0; \
	  DEBUG=true $(PY) manage.py seed_demo --password "$(DEMO_PASSWORD)" > /dev/null; \
	  DEBUG=true $(PY) manage.py seed_scale $(BENCH_HUGE)
	@set -e; for round in 1 2; do for size in large million; do \
	  echo "== $$size ($$round)"; \
	  DATABASE_URL="postgres://$(BENCH_USER)@$(BENCH_HOST):5432/bench_$$size" DEBUG=false \
	    SECRET_KEY=$(BENCH_SECRET_KEY) $(PY) manage.py bench --people 500 \
	    --output .venv/bench-$$size-m$$round.json 2>/dev/null; \
	done; done
	@$(PY) manage.py bench --compare .venv/bench-large-m1.json,.venv/bench-large-m2.json \
	  .venv/bench-million-m1.json,.venv/bench-million-m2.json

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

## messages: refresh locale/*.po after changing strings (needs GNU gettext).
messages: install-dev
	DEBUG=true $(PY) manage.py makemessages --locale zh_Hans --no-obsolete --ignore '.venv/*'
	DEBUG=true $(PY) manage.py makemessages --locale zh_Hans --no-obsolete --ignore '.venv/*' \
		--ignore 'static/vendor/*' --domain djangojs
	DEBUG=true $(PY) manage.py compilemessages --ignore '.venv/*'

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .test-media
