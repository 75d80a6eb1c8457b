# The targets the README promises. `make run` and `make test` work from a
# fresh clone with only Python 3.11 and pip.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
export RENKEI_HOME ?= $(CURDIR)/var
HOST ?= 127.0.0.1
PORT ?= 8000
POSTGRES_URL ?= postgresql://postgres@127.0.0.1:5432/renkei

.PHONY: setup system-deps run test test-postgres test-redis bench lint format clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

setup: $(BIN)/.installed

system-deps:
	@bash scripts/system-deps.sh

run: setup
	@bash scripts/system-deps.sh --optional
	$(BIN)/renkei init
	$(BIN)/renkei demo
	@echo
	@echo "renkei: open http://$(HOST):$(PORT)/ and log in as admin"
	@if [ -n "$$RENKEI_ADMIN_PASSWORD" ]; then echo "  password: the value of RENKEI_ADMIN_PASSWORD"; \
	  elif [ -f "$(RENKEI_HOME)/initial-admin-password" ]; then \
	  echo "  password: $$(cat $(RENKEI_HOME)/initial-admin-password)"; fi
	@echo
	$(BIN)/renkei serve --host $(HOST) --port $(PORT)

test: setup system-deps
	RENKEI_HOME=$(RENKEI_HOME)/test $(BIN)/python -m pytest

test-postgres: setup system-deps
	RENKEI_HOME=$(RENKEI_HOME)/test RENKEI_DATABASE_URL=$(POSTGRES_URL) $(BIN)/python -m pytest

test-redis: setup
	RENKEI_HOME=$(RENKEI_HOME)/test $(BIN)/python -m pytest -m redis

bench: setup system-deps
	$(BIN)/python bench/run_all.py

lint: setup
	$(BIN)/ruff check renkei bench
	$(BIN)/ruff format --check renkei bench
	$(BIN)/mypy renkei

format: setup
	$(BIN)/ruff format renkei bench
	$(BIN)/ruff check --fix renkei bench

clean:
	rm -rf $(VENV) var/test build *.egg-info
