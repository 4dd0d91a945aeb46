"""Settings for Conflict Explorer.

Every value comes from an environment variable with an embedded default, so a fresh checkout runs
at once (SQLite, a broker that needs no server) and production changes only the environment.
`.env.example` lists every variable.
"""

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def envbool(name: str, default: str = "False") -> bool:
    return env(name, default).strip().lower() in {"1", "true", "yes", "on"}


def envint(name: str, default: int) -> int:
    return int(env(name, str(default)))


def envlist(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).replace("\n", ",").split(",") if item.strip()]


DEBUG = envbool("DEBUG", "True")
SECRET_KEY = env("SECRET_KEY", "insecure-development-key-set-SECRET_KEY-in-production")
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    # django-ninja serves the JSON API; listed here so its docs page uses the Swagger UI assets
    # shipped in its own static files (no CDN) and so its templates are found.
    "ninja",
    "conflicts",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "conflicts.middleware.ContentSecurityPolicyMiddleware",
    # Every error under /api/ answers as RFC 9457 problem+json, whichever layer made it; innermost,
    # so the headers the outer middleware add (CSP, nosniff) are kept.
    "conflicts.problems.ProblemMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": env("SQLITE_PATH", str(BASE_DIR / "db.sqlite3")),
        # The web server and the worker write to the same file: wait for locks, write ahead.
        "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"},
    }
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env("STATIC_ROOT", str(BASE_DIR / "staticfiles"))

# Celery: JSON only. The embedded default broker is kombu's filesystem transport: it needs no
# server, and web and worker share it through a folder. Production sets Redis or RabbitMQ.
BROKER_DIR = Path(env("BROKER_DIR", str(BASE_DIR / ".cache" / "broker")))
CELERY_BROKER_URL = env("CELERY_BROKER_URL", "filesystem://")
CELERY_BROKER_TRANSPORT_OPTIONS = (
    {"data_folder_in": str(BROKER_DIR / "queue"), "data_folder_out": str(BROKER_DIR / "queue"),
     "processed_folder": str(BROKER_DIR / "processed"), "control_folder": str(BROKER_DIR / "control"),
     "store_processed": False}
    if CELERY_BROKER_URL.startswith("filesystem://")
    else {}
)  # fmt: skip
# The sweeper finishes reports whose worker died (brokers do not all redeliver such tasks).
CELERY_BEAT_SCHEDULE = {"sweep-stale-reports": {"task": "conflicts.sweep_stale", "schedule": 60.0}}
CELERY_TASK_TIME_LIMIT = envint("CELERY_TASK_TIME_LIMIT", 600)
CELERY_TASK_SOFT_TIME_LIMIT = envint("CELERY_TASK_SOFT_TIME_LIMIT", 540)
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1

# The resolver: which index to use and what a run may cost.
# PIP_INDEX_URL is read as pip and the wheels proxy read it; more indexes are separated by spaces.
RESOLVER_INDEX_URLS = env("PIP_INDEX_URL").split()
# Without PIP_INDEX_URL the default index is the bundled offline snapshot (`manage.py
# snapshot_index` makes it): conflicts.indexes unpacks it lazily into OFFLINE_INDEX_DIR (default:
# $XDG_CACHE_HOME/conflict-explorer/offline-index-<hash>), never at import time.
OFFLINE_INDEX_ARCHIVE = env("OFFLINE_INDEX_ARCHIVE", str(BASE_DIR / "data" / "offline-index.tar.xz"))
OFFLINE_INDEX_DIR = env("OFFLINE_INDEX_DIR") or None
RESOLVER_ALLOWED_INDEX_HOSTS = envlist("RESOLVER_ALLOWED_INDEX_HOSTS")
RESOLVER_ALLOW_PRIVATE_INDEXES = envbool("RESOLVER_ALLOW_PRIVATE_INDEXES")
# A private CA for the index (pip's PIP_CERT); default: the CA bundle shipped with certifi.
RESOLVER_CA_BUNDLE = env("RESOLVER_CA_BUNDLE") or env("PIP_CERT") or env("SSL_CERT_FILE") or None
RESOLVER_DEFAULT_PYTHON = env("RESOLVER_DEFAULT_PYTHON", "3.11")
RESOLVER_DEFAULT_PLATFORM = env("RESOLVER_DEFAULT_PLATFORM", "manylinux_2_28_x86_64")
RESOLVER_MAX_ROUNDS = envint("RESOLVER_MAX_ROUNDS", 20000)
RESOLVER_MAX_SECONDS = envint("RESOLVER_MAX_SECONDS", 300)
RESOLVER_MAX_REQUESTS = envint("RESOLVER_MAX_REQUESTS", 5000)
# The index cache shared by the workers of one machine (metadata by hash, pages with a TTL).
RESOLVER_CACHE_DIR = env("RESOLVER_CACHE_DIR", str(BASE_DIR / ".cache" / "index"))
# A running report whose worker sent no heartbeat for this long is requeued, then failed.
RESOLVER_STALE_SECONDS = envint("RESOLVER_STALE_SECONDS", 120)
RESOLVER_MAX_ATTEMPTS = envint("RESOLVER_MAX_ATTEMPTS", 2)

# Uploads: what one submission may hold.
UPLOAD_MAX_FILES = envint("UPLOAD_MAX_FILES", 20)
UPLOAD_MAX_FILE_BYTES = envint("UPLOAD_MAX_FILE_BYTES", 256 * 1024)
UPLOAD_MAX_LINES = envint("UPLOAD_MAX_LINES", 5000)
DATA_UPLOAD_MAX_MEMORY_SIZE = 6 * 1024 * 1024

# The JSON API (/api/v1/). Requests per token and window ("N/sec", "N/min", "N/hour", "N/day"),
# counted in Django's cache: give production a shared cache so every web process counts together.
API_THROTTLE = env("API_THROTTLE", "120/min")
# The largest request body accepted; the upload limits above apply to each file within it.
API_MAX_BODY_BYTES = envint("API_MAX_BODY_BYTES", 6 * 1024 * 1024)
# Completion webhooks go only to these hosts (exact names, no wildcards); none by default.
API_WEBHOOK_ALLOWED_HOSTS = envlist("API_WEBHOOK_ALLOWED_HOSTS")
# The HMAC-SHA256 key of webhook signatures; when empty, each token's own stored digest.
API_WEBHOOK_SECRET = env("API_WEBHOOK_SECRET")
API_WEBHOOK_TIMEOUT = envint("API_WEBHOOK_TIMEOUT", 10)
API_WEBHOOK_MAX_RETRIES = envint("API_WEBHOOK_MAX_RETRIES", 6)

# Everything the pages use is served by the app itself: no CDN, no inline script.
CONTENT_SECURITY_POLICY = env(
    "CONTENT_SECURITY_POLICY",
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
    "base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    # One line per index request is too much at INFO; the resolver logs what matters.
    "loggers": {"httpx": {"level": "WARNING"}, "httpcore": {"level": "WARNING"}},
}
