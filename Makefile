# The two commands of the README: `make run` and `make test`. Both build .venv first.
PYTHON ?= python3.11
VENV ?= .venv
PORT ?= 8000
BIN := $(VENV)/bin

.PHONY: run test lint install clean

$(BIN)/.installed: requirements.txt requirements-dev.txt
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "$(PYTHON) not found: set PYTHON=/path/to/python3.11"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt -r requirements-dev.txt
	touch $@

install: $(BIN)/.installed

# The web server and a Celery worker (with the stale-report sweeper) on the embedded defaults:
# SQLite, the filesystem broker, the bundled offline index. Ctrl-C stops both.
run: install
	$(BIN)/python manage.py migrate --noinput
	@mkdir -p .cache
	@trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/celery -A config worker --beat --schedule .cache/celerybeat-schedule --pool threads \
		--concurrency 2 --loglevel INFO & worker=$$!; \
	$(BIN)/python manage.py runserver --noreload 127.0.0.1:$(PORT)

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
