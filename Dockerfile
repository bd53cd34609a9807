# Pass numérique – production image: gunicorn serves the app, whitenoise the static files.
# Build:  docker build -t passnum .
# Run:    see docker-compose.yml (web, worker and beat share this image).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=passnum.settings.production \
    PASSNUM_MEDIA_ROOT=/app/var/media \
    PYTHONPATH=/app

# WeasyPrint's system libraries (Pango, HarfBuzz) and a font for the PDFs.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# Dependencies first (pinned in pyproject.toml), so that code changes reuse this layer.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

# The code runs from /app, which PYTHONPATH puts on sys.path for gunicorn, celery and manage.py.
COPY . .

# Static files are collected at build time; the production settings need their variables to
# load, so throw-away values are given to this one command only (nothing connects to them).
RUN DJANGO_SECRET_KEY=collectstatic-only-not-a-secret \
    DJANGO_ALLOWED_HOSTS=localhost \
    DATABASE_URL=sqlite:////tmp/collectstatic.sqlite3 \
    REDIS_URL=redis://localhost:6379/0 \
    PASSNUM_CHEQUE_CODE_KEY=collectstatic-only \
    python manage.py collectstatic --noinput \
    && useradd --system --uid 1000 --home-dir /app passnum \
    && mkdir -p /app/var/media \
    && chown -R passnum /app/var \
    && chmod 700 /app/var /app/var/media

USER passnum
EXPOSE 8000

# Private files are 0600 in 0700 folders (passnum.core.storage); the umask agrees.
CMD ["sh", "-c", "umask 077 && exec gunicorn passnum.wsgi:application --chdir /app --bind 0.0.0.0:8000 --workers 3 --timeout 60 --access-logfile -"]
