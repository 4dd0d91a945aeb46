# syntax=docker/dockerfile:1
# Conflict Explorer: one image for the web server (gunicorn), the Celery worker and beat.
#   docker build -t conflict-explorer .        (compose.yaml builds it for you)
# The builder installs the pinned requirements into a virtualenv before any code is copied, so a
# code change rebuilds only the last layers. Wheels only: no package code runs at build time.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS builder
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /opt/venv
COPY requirements.txt /tmp/requirements.txt
# requirements.txt is the whole pinned closure: --no-deps keeps anything unpinned out.
RUN /opt/venv/bin/pip install --no-deps --only-binary=:all: -r /tmp/requirements.txt \
 && /opt/venv/bin/pip check


FROM ${PYTHON_IMAGE} AS runtime
# An unprivileged user owns nothing but the writable cache directory.
RUN groupadd --system --gid 10001 app \
 && useradd --system --uid 10001 --gid app --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin app \
 && install -d -o app -g app -m 0750 /var/cache/conflict-explorer

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=config.settings \
    DEBUG=false \
    STATIC_ROOT=/app/staticfiles \
    STATIC_MANIFEST=true \
    OFFLINE_INDEX_DIR=/opt/offline-index \
    XDG_CACHE_HOME=/var/cache/conflict-explorer \
    RESOLVER_CACHE_DIR=/var/cache/conflict-explorer/index \
    BROKER_DIR=/var/cache/conflict-explorer/broker

COPY --from=builder /opt/venv /opt/venv
WORKDIR /app
COPY . /app

# Static files (hashed and compressed for WhiteNoise) and the bundled offline index are made at
# build time, read-only for the app. The key below exists only for these commands: settings refuse
# to start without one when DEBUG is false, and nothing is signed here.
RUN SECRET_KEY=build-time-only-not-used-at-run-time-0123456789abcdefghijklmnopqrstuvwxyz \
    sh -c 'python manage.py collectstatic --noinput --verbosity 0 \
        && python manage.py shell -c "from conflicts.indexes import offline_index_url; print(offline_index_url())"' \
 && python -m compileall -q /app/config /app/conflicts /app/resolver

USER app:app
EXPOSE 8000

# Liveness: the process answers and reaches its database (see conflicts/health.py).
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status != 200)"]

CMD ["gunicorn", "--config", "config/gunicorn.py", "config.wsgi"]
