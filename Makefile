# The two commands: `make run` and `make test`. Everything else is for developers.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1:8000

.PHONY: run test install lint fmt worker demo migrate check-deploy benchmarks clean backup restore backup-drill

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

migrate: $(STAMP)
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py demo

## make run: install, migrate (SQLite unless DATABASE_URL), load the demo, serve on $(HOST)
run: demo
	@echo ""
	@echo "Pass numérique : http://$(HOST)/  (mot de passe des comptes : passnum-demo)"
	$(PY) manage.py runserver $(HOST)

## make test: install and run the whole suite (SQLite unless DATABASE_URL is set)
test: $(STAMP)
	$(PY) -m pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/lint-imports

fmt: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

## make worker: Celery worker and beat against REDIS_URL (PostgreSQL via DATABASE_URL)
worker: $(STAMP)
	@test -n "$$REDIS_URL" || (echo "REDIS_URL must be set for a worker" && exit 1)
	$(VENV)/bin/celery -A passnum worker --beat --loglevel=info

check-deploy: $(STAMP)
	DJANGO_SETTINGS_MODULE=passnum.settings.production $(PY) manage.py check --deploy --fail-level WARNING

## make backup [BACKUP_DIR=...]: database (pg_dump) and private files, with checksums
BACKUP_DIR ?= var/backups/$(shell date +%Y%m%d-%H%M%S)
backup:
	sh passnum/deploy/backup.sh $(BACKUP_DIR)

## make restore BACKUP_DIR=...: into an EMPTY database (DATABASE_URL) and media folder
restore:
	@test -n "$(filter command line environment,$(origin BACKUP_DIR))" || (echo "make restore BACKUP_DIR=<dossier de sauvegarde>" && exit 1)
	sh passnum/deploy/restore.sh $(BACKUP_DIR)

## make backup-drill: demo → backup → restore into an empty database → compare (.ci/run)
backup-drill: $(STAMP)
	$(PY) -m passnum.deploy.backup_drill

benchmarks: $(STAMP)
	for f in benchmarks/*.py; do $(PY) $$f; done

clean:
	rm -rf $(VENV) db.sqlite3 var staticfiles
