# The front door. Every target sets up the virtualenv first, so a fresh clone needs nothing else.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: help venv test lint demo local bench package clean

help:
	@echo "make demo     set up, then play the local story (import, reminders, a payment, day 7)"
	@echo "make test     set up, then ruff, mypy and pytest"
	@echo "make local    run the local stack (moto, API, Mollie emulator, workbench on :8200) until Ctrl-C"
	@echo "make bench    print the benchmark figures"
	@echo "make package  build the CloudFormation/SAM template and Lambda zips into build/"

$(STAMP): requirements.txt requirements-dev.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip<26.3"  # chalice 1.34 refuses newer pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

venv: $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: lint
	$(BIN)/pytest -n 2 --dist loadfile

demo: $(STAMP)
	$(BIN)/python -m infra.local.demo

local: $(STAMP)
	$(BIN)/python -m infra.local.stack

bench: $(STAMP)
	$(BIN)/python -m bench

package: $(STAMP)
	$(BIN)/python -m infra.package

clean:
	rm -rf $(VENV) build vendor .local .mypy_cache .ruff_cache .pytest_cache .hypothesis
