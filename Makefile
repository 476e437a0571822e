# Two commands for a fresh machine: `make run` and `make test` (see README).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 5000
export FLASK_APP := wsgi:app
PG_TEST_URL ?= postgresql://postgres@127.0.0.1:5432/test

.PHONY: run test test-sqlite test-postgres install lint clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/flask db upgrade
	$(BIN)/flask seed all
	@echo "fundtracker: serving on http://$(HOST):$(PORT)/"
	$(BIN)/flask run --host $(HOST) --port $(PORT)

# The whole suite on SQLite, then again on PostgreSQL when FUNDTRACKER_TEST_DATABASE_URL is set
# (CI sets it; so can you: make test FUNDTRACKER_TEST_DATABASE_URL=$(PG_TEST_URL)).
test: $(STAMP)
	$(BIN)/ruff check .
	$(MAKE) test-sqlite
	@if [ -n "$$FUNDTRACKER_TEST_DATABASE_URL" ]; then $(MAKE) test-postgres; \
	else echo "PostgreSQL run skipped: set FUNDTRACKER_TEST_DATABASE_URL=$(PG_TEST_URL) to include it"; fi

test-sqlite: $(STAMP)
	env -u FUNDTRACKER_TEST_DATABASE_URL $(BIN)/pytest $(PYTEST_ARGS)

test-postgres: $(STAMP)
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) instance .pytest_cache .hypothesis
