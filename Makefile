# The README's quick start. Every target sets up what it needs on a fresh machine (Python 3.11+).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test bench setup messages migrate seed worker beat clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]"
	touch $@

setup: $(VENV)/.installed messages

# Compiling catalogues needs GNU gettext's msgfmt; without it the pages are shown in English.
messages: $(VENV)/.installed
	@if command -v msgfmt >/dev/null; then \
		DEBUG=true $(PY) manage.py compilemessages --ignore=.venv -v0; \
	else echo "msgfmt not found (install gettext): translations stay uncompiled, pages show in English"; fi

migrate: setup
	DEBUG=true $(PY) manage.py migrate --noinput -v0

seed: migrate
	DEBUG=true $(PY) manage.py seed_demo

run: seed
	@echo ""
	@echo "  Serving http://$(HOST):$(PORT)/  — log in as admin, manager, rep, rep2, rep3 or partner (password: demo)"
	@echo ""
	DEBUG=true $(PY) manage.py runserver $(HOST):$(PORT)

test: setup
	$(PY) -m pytest $(PYTEST_ARGS)

# The benchmark on PostgreSQL (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/crm_bench),
# loading gunicorn with Debian's wrk: make bench BENCH_ARGS="--contacts 1000000"
$(VENV)/.bench-installed: $(VENV)/.installed
	$(PY) -m pip install --quiet -e ".[test,bench]"
	touch $@

bench: setup $(VENV)/.bench-installed
	@command -v wrk >/dev/null || { echo "installing wrk (Debian package)"; \
		apt-get update -qq && apt-get install -y -qq --no-install-recommends wrk >/dev/null; }
	$(PY) -m bench $(BENCH_ARGS)

worker: setup
	$(VENV)/bin/celery -A crm worker --loglevel=info

beat: setup
	$(VENV)/bin/celery -A crm beat --loglevel=info

clean:
	rm -rf $(VENV) staticfiles db.sqlite3
