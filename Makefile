# The two commands of README's quick start. Everything they need is installed here,
# from the package registries, on a machine that has only Python 3.11 and pip.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test lint format bench setup clean browser-deps messages

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is needed: install it, or run make PYTHON=/path/to/python3.11"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

setup: $(STAMP)

## Run the hub on its embedded default: sandbox platforms, demo departments and users.
run: $(STAMP)
	$(BIN)/hub init --demo
	$(BIN)/hub serve

## Debian's Chromium and Bengali fonts for the browser tests (Playwright downloads no browser).
browser-deps:
	@if [ ! -x /usr/bin/chromium ] || ! fc-list 2>/dev/null | grep -qi "Noto Sans Bengali"; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-core >/dev/null; \
	  else \
	    echo "The browser tests need Debian's chromium: sudo apt-get install chromium fonts-noto-core"; \
	  fi; \
	fi

## The UI's strings into the catalogue: extract them (Babel) and merge into the Bengali .po,
## whose new entries translators then fill in (tests/test_i18n.py fails until they do).
messages: $(STAMP)
	$(BIN)/pybabel -q extract --no-location --sort-output --no-wrap \
	  -k _ -k N_ -k ngettext:1,2 -k pgettext:1c,2 --project "Municipal Social Hub" \
	  -o hub/locale/hub.pot hub ui pages
	$(BIN)/pybabel -q update --init-missing --no-wrap --no-fuzzy-matching --ignore-obsolete \
	  -i hub/locale/hub.pot -d hub/locale -D hub -l bn

## The whole test suite, on the same set-up.
test: $(STAMP) browser-deps
	$(BIN)/hub init --demo --data-dir "$$(mktemp -d)"
	$(BIN)/python -m pytest

## The benchmarks at the issue's full scale (a year of a large city); writes BENCHMARKS.md.
bench: $(STAMP) browser-deps
	$(BIN)/python -m benchmarks.run --size full

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) .pytest_cache
