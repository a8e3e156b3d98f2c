# Two commands on a fresh machine with Python 3.11: `make run` and `make test`.
SHELL := /bin/bash
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export FLASK_APP := wsgi
PORT ?= 5000

.PHONY: run test test-sqlite e2e install translations worker scheduler bench clean

$(STAMP): pyproject.toml
	@command -v $(PY) >/dev/null || { echo "Python 3.11 is needed ($(PY) not found)"; exit 1; }
	test -d $(VENV) || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $(STAMP)

install: $(STAMP) translations

translations: $(STAMP)
	$(BIN)/python tools/i18n.py compile

# The portal with demo data on SQLite (instance/portal.sqlite3), the RQ worker and the scheduler.
run: install
	$(BIN)/flask init-db
	$(BIN)/flask seed-demo --if-empty
	@bash tools/run_dev.sh $(PORT)

# The whole suite against the real PostgreSQL and Redis on 127.0.0.1 (journeys and the
# security suite included), then everything but those two again on SQLite (the embedded default).
test: install
	@bash tools/check_services.sh
	$(BIN)/pytest -q -p no:cacheprovider
	PORTAL_TEST_DB=sqlite $(BIN)/pytest -q -p no:cacheprovider -m "not e2e" --ignore=tests/security --ignore=tests/e2e

test-sqlite: install
	PORTAL_TEST_DB=sqlite $(BIN)/pytest -q -p no:cacheprovider -m "not e2e"

clean:
	rm -rf $(VENV) instance test-artifacts
