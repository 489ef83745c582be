# The front door. Every target sets up the virtualenv first, so a fresh clone needs nothing else.
# Python 3.13, the functions' Lambda runtime (chalice packages for the Python it runs on). Each
# candidate must really run 3.13: pyenv's shim `python3.13` is on PATH even when 3.13 is not the
# selected version, and then only prints "command not found".
PYTHON_VERSION := 3.13
ifndef PYTHON
PYTHON := $(shell for candidate in python$(PYTHON_VERSION) \
	"$$(pyenv root 2>/dev/null)"/versions/$(PYTHON_VERSION)*/bin/python$(PYTHON_VERSION) \
	$$HOME/.pyenv/versions/$(PYTHON_VERSION)*/bin/python$(PYTHON_VERSION); do \
	"$$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 13))' 2>/dev/null \
	&& { command -v "$$candidate"; break; }; done)
endif
IS_313 := import sys; sys.exit(sys.version_info[:2] != (3, 13))
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
CHECKOV_VENV  := .venv-checkov
CHECKOV_STAMP := $(CHECKOV_VENV)/.installed

.PHONY: help venv test lint demo local bench package checkov chaos clean chromium

help:
	@echo "make demo     set up, then play the local story (import, reminders, a payment, day 7)"
	@echo "make test     set up, then ruff, mypy and pytest"
	@echo "make local    run the local stack (moto, API, Mollie emulator, workbench on :8200) until Ctrl-C"
	@echo "make bench    print the benchmark figures"
	@echo "make package  build the CloudFormation/SAM template and Lambda zips into build/"
	@echo "make chaos    the demo story replayed twice and shuffled, and under faults; prints the matrix"
	@echo "make checkov  package, then run checkov on the template (its own virtualenv, .venv-checkov)"

$(STAMP): requirements.txt requirements-dev.txt pyproject.toml Makefile
	@test -n "$(PYTHON)" || { echo "Python $(PYTHON_VERSION) not found (neither python$(PYTHON_VERSION) on PATH nor a pyenv install of it)."; \
	  echo "Install it (pyenv install $(PYTHON_VERSION), or your system's python$(PYTHON_VERSION) package), or name it: make PYTHON=/path/to/python$(PYTHON_VERSION)"; exit 1; }
	@# A virtualenv of another Python (an older checkout's 3.11) is rebuilt, not reused.
	test -x $(BIN)/python && $(BIN)/python -c '$(IS_313)' || { rm -rf $(VENV) && $(PYTHON) -m venv $(VENV); }
	$(BIN)/python -m pip install --quiet --upgrade "pip<26.3"  # chalice 1.34 refuses newer pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

venv: $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# The browser tests drive Debian's Chromium (Playwright never downloads a browser here). A fresh
# machine gets it from apt when make runs as root (CI does); apt-get update + install took about
# 2 minutes here. Elsewhere the browser tests are skipped with the reason.
CHROMIUM := /usr/bin/chromium

chromium:
	@if [ -x $(CHROMIUM) ]; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
		DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium; \
	else echo "chromium is missing: 'sudo apt-get install chromium' runs the browser tests too"; fi

test: lint chromium
	$(BIN)/pytest -n 2 --dist loadfile

demo: $(STAMP)
	$(BIN)/python -m infra.local.demo

local: $(STAMP)
	$(BIN)/python -m infra.local.stack

bench: $(STAMP)
	$(BIN)/python -m bench

package: $(STAMP)
	$(BIN)/python -m infra.package

# Replay and fault matrix (tests/chaos); the table is printed whether or not a cell failed.
chaos: $(STAMP)
	rm -rf build/chaos
	@start=$$(date +%s); DEBTFLOW_CHAOS=1 $(BIN)/pytest -n 2 tests/chaos; status=$$?; \
	  $(BIN)/python -m tests.chaos.matrix; echo "chaos ran in $$(( $$(date +%s) - start )) s"; exit $$status

$(CHECKOV_STAMP): requirements-checkov.txt
	test -x $(CHECKOV_VENV)/bin/python || $(PYTHON) -m venv $(CHECKOV_VENV)
	@start=$$(date +%s); $(CHECKOV_VENV)/bin/python -m pip install --quiet -r requirements-checkov.txt; \
	  echo "checkov installed in $$(( $$(date +%s) - start )) s"
	touch $(CHECKOV_STAMP)

# Accepted findings carry their reason in infra/checkov_skips.json; any other finding fails.
checkov: package $(CHECKOV_STAMP)
	@start=$$(date +%s); $(CHECKOV_VENV)/bin/checkov --file build/package/sam.json --framework cloudformation \
	  --compact --quiet --skip-download; status=$$?; echo "checkov scanned in $$(( $$(date +%s) - start )) s"; exit $$status

clean:
	rm -rf $(VENV) $(CHECKOV_VENV) build vendor .local .mypy_cache .ruff_cache .pytest_cache .hypothesis
