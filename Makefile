# The README's quick start. Every target sets up what it needs on a fresh machine (Python 3.11+).
# Without DATABASE_URL the project runs on its embedded PostgreSQL (.data/postgres, started by the
# first process that connects, stopped when the last one ends); with it, on that server.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
# Test workers (pytest-xdist), each with its own test database.
WORKERS ?= auto

.PHONY: run test fuzz bench setup messages migrate seed worker beat test-packages db-stop clean

# What running needs; the tests' own packages only for the targets that run them, so `make run` on
# a fresh clone installs the least, and says what it is doing.
$(VENV)/.installed: pyproject.toml
	@echo "Installing the project into $(VENV) (the first time takes a minute)"
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --progress-bar on -e .
	touch $@

$(VENV)/.test-installed: $(VENV)/.installed
	@echo "Installing the test packages into $(VENV)"
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
	@echo "  Serving http://$(HOST):$(PORT)/  — log in as one of the demo logins above (password: demo)"
	@echo ""
	DEBUG=true $(PY) manage.py runserver $(HOST):$(PORT)

# Debian packages the tests drive, installed when missing (as the bench installs wrk): gettext to
# compile the catalogues the language tests read, redis-server for the fault tests' private Redis,
# Chromium for the browser tests, Java and npm for the Nu HTML checker.
TEST_PACKAGES := msgfmt:gettext redis-server:redis-server chromium:chromium java:default-jre-headless npm:npm
# The Nu HTML checker (npm's vnu-jar, a self-contained jar) that tests/test_html_valid.py runs, in a
# git-ignored folder. Pinned: a new checker may find new errors; bump it on purpose.
VNU_VERSION := 26.9.27
VNU_DIR := .cache/vnu
test-packages:
	@missing=""; for pair in $(TEST_PACKAGES); do \
		command -v $${pair%%:*} >/dev/null || missing="$$missing $${pair#*:}"; done; \
	if [ -n "$$missing" ]; then echo "installing$$missing (Debian packages)"; \
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; } \
		|| { echo "could not install them: run 'sudo apt-get install$$missing' and try again"; exit 1; }; fi
	@[ -f $(VNU_DIR)/installed-$(VNU_VERSION) ] || { echo "installing vnu-jar $(VNU_VERSION) (npm) into $(VNU_DIR)"; \
		rm -rf $(VNU_DIR) && mkdir -p $(VNU_DIR) \
		&& npm install --prefix $(VNU_DIR) --no-save --no-audit --no-fund --ignore-scripts --silent vnu-jar@$(VNU_VERSION) \
		&& touch $(VNU_DIR)/installed-$(VNU_VERSION); }

test: test-packages setup $(VENV)/.test-installed
	$(PY) -m pytest -n $(WORKERS) --dist worksteal $(PYTEST_ARGS)

# The property tests at 1,000 examples each instead of 100.
fuzz: test-packages setup $(VENV)/.test-installed
	HYPOTHESIS_PROFILE=fuzz $(PY) -m pytest -n $(WORKERS) --dist worksteal -m "not browser" $(PYTEST_ARGS)

# The benchmark on PostgreSQL (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/crm_bench),
# loading gunicorn with Debian's wrk: make bench BENCH_ARGS="--contacts 1000000"
$(VENV)/.bench-installed: $(VENV)/.test-installed
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

# Stop the embedded PostgreSQL now (it also stops by itself when its last process ends).
db-stop:
	@if [ -x $(PY) ]; then $(PY) -m crm.embedded_db stop; fi

# Everything `make run` and `make test` made, the embedded database's data included.
clean: db-stop
	rm -rf $(VENV) staticfiles .data .cache
