# The two commands of the README: `make run` and `make test`. Both build .venv first.
PYTHON ?= python3.11
VENV ?= .venv
PORT ?= 8000
BIN := $(VENV)/bin

.PHONY: run test test-fast lint install clean fuzz integration loadtest packse conformance pip-verdicts snapshot

$(BIN)/.installed: requirements.txt requirements-dev.txt
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "$(PYTHON) not found: set PYTHON=/path/to/python3.11"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt -r requirements-dev.txt
	touch $@

install: $(BIN)/.installed

# The web server and a Celery worker (with the stale-report sweeper as a thread of the worker, so
# no beat process can outlive it) on the embedded defaults: SQLite, the filesystem broker, the
# bundled offline index. Ctrl-C stops both; so does either one stopping (a crash, a kill -9).
RUN_WORKER = $(BIN)/python -m config.devworker .cache/celerybeat-schedule
run: SHELL := /bin/bash
run: install
	$(BIN)/python manage.py migrate --noinput
	@mkdir -p .cache
	@trap 'kill $$worker $$web 2>/dev/null; wait 2>/dev/null' EXIT INT TERM; \
	$(RUN_WORKER) & worker=$$!; \
	$(BIN)/python manage.py runserver --noreload 127.0.0.1:$(PORT) & web=$$!; \
	wait -n; status=$$?; echo "make run: a process stopped (status $$status); stopping the other"; exit $$status

test: install packse
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The inner loop: everything but the tests that run pip or other subprocesses (slow) and the
# browser tests; about 1 min 40 s on two shared cores, against 4 to 12 min for
# `make test`, which stays what CI runs.
test-fast: install packse
	$(BIN)/python -m pytest -m "not slow and not browser" $(PYTEST_ARGS)

# packse's resolver scenarios (tests/conformance): its sdist, pinned with its hash in
# tests/conformance/packse.txt, downloaded as data (packse needs Python 3.12; nothing of it is run).
PACKSE_VERSION := $(shell sed -n 's/^packse==\([^ ]*\).*/\1/p' tests/conformance/packse.txt)
PACKSE_SDIST := .cache/packse/packse-$(PACKSE_VERSION).tar.gz
$(PACKSE_SDIST): tests/conformance/packse.txt
	$(BIN)/python -m pip download --quiet --disable-pip-version-check --no-deps --no-binary :all: \
		--python-version 3.12 --require-hashes -r tests/conformance/packse.txt -d .cache/packse
	test -f $@ && touch $@
packse: install $(PACKSE_SDIST)

conformance: install packse
	$(BIN)/python -m pytest -p no:cacheprovider tests/conformance $(PYTEST_ARGS)

# pip's verdict on every scenario (tests/conformance/pip_verdicts.json); about two minutes.
pip-verdicts: install packse
	$(BIN)/python -m tests.conformance.make_pip_verdicts

# The requirements parser fuzzed with 10,000 inputs per fuzz test (`make test` runs 800 in all).
FUZZ_EXAMPLES ?= 10000
fuzz: install
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/python -m pytest -p no:cacheprovider tests/resolver/input/test_reqfile.py \
		-k "any_text or any_unicode" --hypothesis-show-statistics $(PYTEST_ARGS)

# Worker processes killed, the broker restarted, the database cut, on PostgreSQL and Redis. The
# database is dropped and created again and the Redis database emptied: give them their own.
INTEGRATION_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/ce_integration
INTEGRATION_BROKER_URL ?= redis://127.0.0.1:6379/12
integration: install
	DATABASE_URL=$(INTEGRATION_DATABASE_URL) CELERY_BROKER_URL=$(INTEGRATION_BROKER_URL) \
		$(BIN)/python -m pytest -p no:cacheprovider -m integration tests/integration $(PYTEST_ARGS)

# gunicorn and Celery on PostgreSQL and Redis under wrk; about 5 minutes (see loadtest/run.py).
loadtest: install
	$(BIN)/python loadtest/run.py $(LOADTEST_ARGS)

# Take the bundled offline index again from the simple index in PIP_INDEX_URL (6 minutes cold
# here): writes data/offline-index.tar.xz and data/offline-index.txt (what it holds, when taken).
snapshot: install
	@test -n "$$PIP_INDEX_URL" || { echo "set PIP_INDEX_URL to the simple index to take the snapshot from"; exit 1; }
	$(BIN)/python manage.py snapshot_index $(SNAPSHOT_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
