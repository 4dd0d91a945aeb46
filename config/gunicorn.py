"""Gunicorn's configuration for the container image: `gunicorn -c config/gunicorn.py config.wsgi`.

Threads per process serve the htmx progress polls cheaply; the resolutions themselves run in the
Celery workers, so a web request never holds a thread for long and the timeout stays short.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
keepalive = 5
# Recycle processes now and then, so a slow leak cannot grow without bound; not too often, as each
# recycle re-imports Django (about a second of CPU) while the other process takes all the requests.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "50000"))
max_requests_jitter = max_requests // 10
accesslog = "-"
errorlog = "-"
# The proxy in front sets X-Forwarded-Proto; trust it only from these addresses.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
worker_tmp_dir = "/dev/shm"
