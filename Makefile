# Tessera: `make run` serves a working registry, `make test` proves it (SQLite and PostgreSQL).
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
HOST   ?= 127.0.0.1:8000

.PHONY: run test lint schema screenshots venv venv-dev clean

$(VENV)/.runtime: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt $(VENV)/.runtime
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

venv: $(VENV)/.runtime
venv-dev: $(VENV)/.dev

run: venv
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo
	$(PY) manage.py ensure_admin  # last before serving: its password is the line to read
	@# the webhook worker beside the server, stopped with it
	$(PY) manage.py deliver_events & trap 'kill $$! 2>/dev/null' EXIT; \
		$(PY) manage.py runserver $(HOST)

lint: venv-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports  # the floors (pyproject.toml, docs/architecture.md)
	$(PY) manage.py makemigrations --check --dry-run

schema: venv-dev
	$(PY) manage.py spectacular --validate --fail-on-warn --file /dev/null

test: lint schema
	scripts/test.sh

# the browser suite alone, with a full-page screenshot of each step in screenshots/
screenshots: venv-dev
	TESSERA_SCREENSHOTS=$(CURDIR)/screenshots $(PY) -m pytest tests/browser -rs
	@echo "Screenshots of each step: $(CURDIR)/screenshots/"

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles screenshots
