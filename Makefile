# Two commands matter: `make run` (demo on SQLite) and `make test` (the whole suite).
VENV ?= .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app wsgi
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test install install-dev provision bench clean

$(VENV)/.installed: requirements.txt
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements-dev.txt $(VENV)/.installed
	$(PY) -m pip install -q -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

## Install, create the SQLite database, fill the demo business and serve it on http://$(HOST):$(PORT)
run: install
	$(FLASK) db upgrade
	$(FLASK) demo
	$(FLASK) run --host $(HOST) --port $(PORT)

## Install everything the tests need (PostgreSQL running, Debian's chromium) and run the whole suite
test: install-dev
	bash .ci/provision
	$(PY) -m pytest

provision:
	bash .ci/provision

bench: install-dev
	bash .ci/provision
	$(PY) benchmarks/slot_engine.py
	$(PY) benchmarks/availability_endpoint.py
	$(PY) benchmarks/dispatch_throughput.py
	$(PY) benchmarks/delay_cascade.py
	$(PY) benchmarks/ics_import.py
	$(PY) benchmarks/ics_export.py

clean:
	rm -rf $(VENV) instance/*.sqlite3* test-artifacts
