# Guichet — the two commands a newcomer needs: `make run` and `make test`.
# Every target sets up what it needs, idempotently, the first time.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export GUICHET_HOME ?= $(CURDIR)/.guichet

# Targets that make the machine ready; mk/*.mk fragments append to it.
SETUP_TARGETS := $(VENV)/.installed

.PHONY: run test setup lint bench asterisk-root clean-venv
.DEFAULT_GOAL := help

help:
	@echo "make run    start Guichet (Asterisk, call controller, web app) in the foreground"
	@echo "make test   set up everything and run the whole test suite"
	@echo "make lint   ruff + mypy"
	@echo "make bench  measure, write JSON under bench-results/"

.stamps/apt: scripts/apt-packages.txt scripts/setup-system.sh
	bash scripts/setup-system.sh
	@mkdir -p .stamps && touch $@

$(VENV)/.installed: pyproject.toml .stamps/apt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

include $(wildcard mk/*.mk)

setup: $(SETUP_TARGETS)

asterisk-root: setup
	$(BIN)/guichet asterisk provision

run: setup asterisk-root kb-index
	$(BIN)/guichet up

test: setup asterisk-root
	$(BIN)/pytest -p no:cacheprovider -q -rs

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy guichet pbx voicebot knowledge ivr_flows agent_softphone

# Benchmarks are not tests: each tests/bench/bench_*.py measures and writes JSON.
bench: setup asterisk-root
	@mkdir -p bench-results
	set -e; for f in tests/bench/bench_*.py; do $(BIN)/python $$f --out bench-results; done
