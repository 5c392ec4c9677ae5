# Two commands matter: `make run` (demo on SQLite) and `make test` (the whole suite).
VENV ?= .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app wsgi
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test install install-dev provision bench clean translations i18n

$(VENV)/.installed: requirements.txt
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements-dev.txt $(VENV)/.installed
	$(PY) -m pip install -q -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed translations
install-dev: $(VENV)/.installed-dev translations

## Compile the catalogues (booking/translations/<lang>/LC_MESSAGES/messages.po -> .mo) that changed
TRANSLATIONS := booking/translations
# English is the source language: its catalogue only lists the messages and is not compiled (an
# empty plural msgstr would compile into empty text), so English pages show the source text.
COMPILED_LANGUAGES := de es
translations: $(foreach lang,$(COMPILED_LANGUAGES),$(TRANSLATIONS)/$(lang)/LC_MESSAGES/messages.mo)

$(TRANSLATIONS)/%/LC_MESSAGES/messages.mo: $(TRANSLATIONS)/%/LC_MESSAGES/messages.po | $(VENV)/.installed
	$(VENV)/bin/pybabel compile -d $(TRANSLATIONS) -l $* --statistics

# Calls whose first argument is a message, beyond Babel's own (_, gettext, ngettext, N_ ...): lazy
# form labels, and the domain errors of booking/errors.py (their message is shown translated on
# HTML pages; tests/test_translations.py reads this line).
BABEL_KEYWORDS := _l lazy_gettext DomainError NotFound Unauthorized Forbidden Conflict TooLate

## After changing user-visible text: collect every message into messages.pot and merge it into the
## catalogues; then translate the new (empty) entries in de and es and run `make translations`.
# No fuzzy matching: its guesses are often wrong and, with other placeholders, stop the compile.
i18n: $(VENV)/.installed
	mkdir -p $(TRANSLATIONS)
	$(VENV)/bin/pybabel extract -F babel.cfg $(addprefix -k ,$(BABEL_KEYWORDS)) --add-location=file \
	  --sort-output --add-comments=TRANSLATORS: --ignore-dirs='.* ._ node_modules instance' \
	  --project=booking -o $(TRANSLATIONS)/messages.pot .
	for lang in de en es; do \
	  $(VENV)/bin/pybabel update -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS) -l $$lang \
	    --init-missing --ignore-obsolete --no-fuzzy-matching || exit 1; \
	done
	$(MAKE) translations

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
	$(PY) benchmarks/day_view.py

clean:
	rm -rf $(VENV) instance/*.sqlite3* test-artifacts $(TRANSLATIONS)/*/LC_MESSAGES/*.mo
