# Samraad: the few verbs a developer needs. `make run` and `make test` set everything up
# on first use (a virtualenv in .venv with the project's pinned dependencies).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
MANAGE := $(BIN)/python manage.py

# Development defaults (SQLite under var/, filesystem broker, console e-mail, demo keys).
# Variables already set in the environment win, which is how CI selects PostgreSQL/Redis.
export SAMRAAD_ENV_FILE ?= config/dev.env

.PHONY: run test lint fmt bench bench-access bench-audit bench-reminders bench-retention vendor messages venv clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	rm -rf samraad.egg-info  # build metadata of the editable install: nothing outside .venv/ and var/
	touch $(STAMP)

run: $(STAMP)
	$(MANAGE) migrate --noinput
	$(MANAGE) seed_demo
	@echo "Samraad: http://127.0.0.1:8000/  (Ctrl-C stops web server and worker)"
	$(BIN)/honcho --procfile Procfile.dev start

test: $(STAMP)
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .
	$(BIN)/lint-imports
	$(MANAGE) makemigrations --check --dry-run

fmt: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: $(STAMP)
	$(BIN)/python -m benchmarks.run

# The access layer at scale on PostgreSQL; DROPS and recreates the database it is given.
BENCH_ACCESS_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/samraad_bench_access
bench-access: $(STAMP)
	DATABASE_URL=$(BENCH_ACCESS_DATABASE_URL) $(BIN)/python -m benchmarks.access $(BENCH_ARGS)

# The audit log at scale (10,000,000 events) on PostgreSQL; DROPS and recreates its database.
# A quick try first: make bench-audit BENCH_ARGS="--events 200000"
BENCH_AUDIT_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/samraad_bench_audit
bench-audit: $(STAMP)
	DATABASE_URL=$(BENCH_AUDIT_DATABASE_URL) $(BIN)/python -m benchmarks.audit $(BENCH_ARGS)

# The reminder scan at scale (100,000 open actions, 10,000 of them due) on PostgreSQL; DROPS
# and recreates its database. A quick try: make bench-reminders BENCH_ARGS="--actions 20000 --due 2000"
BENCH_REMINDERS_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/samraad_bench_reminders
bench-reminders: $(STAMP)
	DATABASE_URL=$(BENCH_REMINDERS_DATABASE_URL) $(BIN)/python -m benchmarks.reminders $(BENCH_ARGS)

# The retention run at scale (issue 15): deletes 10,000 expired cases of 100,000 while other
# users read. A quick try: make bench-retention BENCH_ARGS="--cases 5000 --expired 500 --held 10"
BENCH_RETENTION_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/samraad_bench_retention
bench-retention: $(STAMP)
	DATABASE_URL=$(BENCH_RETENTION_DATABASE_URL) $(BIN)/python -m benchmarks.retention $(BENCH_ARGS)

# Re-vendor Det Fælles Designsystem and htmx from the npm registry into static/vendor/.
vendor:
	bash scripts/vendor_static.sh

# Refresh and compile the translations (needs GNU gettext); the .mo files are committed.
messages: $(STAMP)
	$(MANAGE) makemessages --locale da --locale en --ignore '.venv/*' --ignore 'static/*'
	$(MANAGE) compilemessages --ignore '.venv/*'

clean:
	rm -rf var/ staticfiles/ .mypy_cache .ruff_cache
