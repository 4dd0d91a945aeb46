"""Settings for Conflict Explorer.

Every value comes from an environment variable with an embedded default, so a fresh checkout runs
at once (SQLite, a broker that needs no server) and production changes only the environment.
`.env.example` lists every variable.
"""

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from config.envurls import cache_from_url, database_from_url, sqlite_database
from resolver.index.limits import IndexLimits
from resolver.limits import Limits

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
DEVELOPMENT_SECRET_KEY = "insecure-development-key-set-SECRET_KEY-in-production"
SECRET_KEY = env("SECRET_KEY") or (DEVELOPMENT_SECRET_KEY if DEBUG else "")
# Django's own deploy check wants 50 characters and 5 distinct ones; a shorter key signs sessions
# and CSRF tokens that can be guessed, so the app refuses to start with one rather than warn.
if not DEBUG and (SECRET_KEY == DEVELOPMENT_SECRET_KEY or len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5):
    raise ImproperlyConfigured(
        "SECRET_KEY must be set when DEBUG is false: a random string of at least 50 characters "
        f"(this one has {len(SECRET_KEY)}), e.g. python -c 'import secrets; print(secrets.token_urlsafe(50))'"
    )
# Old keys still accepted for signatures while a new SECRET_KEY is rolled out.
SECRET_KEY_FALLBACKS = envlist("SECRET_KEY_FALLBACKS")
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
# The scheme and host of every origin a form is posted from over HTTPS, e.g. https://conflicts.example.com
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS")

# HTTPS. Each defaults to on when DEBUG is false, so `manage.py check --deploy` is clean under
# production settings; behind a proxy that terminates TLS, set SECURE_PROXY_SSL_HEADER.
_secure = str(not DEBUG)  # the default of each HTTPS setting below
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", _secure)
SESSION_COOKIE_SECURE = envbool("SESSION_COOKIE_SECURE", _secure)
CSRF_COOKIE_SECURE = envbool("CSRF_COOKIE_SECURE", _secure)
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", _secure)
# The preload directive only consents to the browsers' preload list; nothing is listed until the
# domain is submitted there.
SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", _secure)
# "HTTP_X_FORWARDED_PROTO,https": trust this header from the proxy in front (and only then).
_proxy_header = envlist("SECURE_PROXY_SSL_HEADER")
if _proxy_header and len(_proxy_header) != 2:
    raise ImproperlyConfigured("SECURE_PROXY_SSL_HEADER: expected HEADER,value, e.g. HTTP_X_FORWARDED_PROTO,https")
SECURE_PROXY_SSL_HEADER = tuple(_proxy_header) if _proxy_header else None
# Health checks come over plain HTTP from the container engine or a load balancer.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SESSION_COOKIE_HTTPONLY = True

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
    # /healthz and /readyz answer before host checks and HTTPS redirects: probes come by IP over HTTP.
    "conflicts.health.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "conflicts.web.middleware.ContentSecurityPolicyMiddleware",
    # Every error under /api/ answers as RFC 9457 problem+json, whichever layer made it; innermost,
    # so the headers the outer middleware add (CSP, nosniff) are kept.
    "conflicts.api.problems.ProblemMiddleware",
]

if not DEBUG:
    # Static files served by the app itself (compressed, cached forever when hashed), no CDN;
    # with DEBUG, runserver serves them.
    MIDDLEWARE.insert(
        MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
        "whitenoise.middleware.WhiteNoiseMiddleware",
    )

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

# DATABASE_URL: postgres://user:password@host:5432/name (or sqlite:///path). Unset: the SQLite file
# SQLITE_PATH, which the web server and the worker share (WAL, waiting for locks).
# DATABASE_CONN_MAX_AGE: seconds a connection is kept (default 60 for PostgreSQL, 0 for SQLite).
_conn_max_age = env("DATABASE_CONN_MAX_AGE")
DATABASES = {
    "default": database_from_url(env("DATABASE_URL"), conn_max_age=int(_conn_max_age) if _conn_max_age else None)
    if env("DATABASE_URL")
    else sqlite_database(env("SQLITE_PATH", str(BASE_DIR / "db.sqlite3")))
}

# Django's cache counts API requests per token: CACHE_URL=redis://host:6379/1 shares it between all
# web processes (the default, locmem://, is one per process).
CACHES = {"default": cache_from_url(env("CACHE_URL", "locmem://"), key_prefix=env("CACHE_KEY_PREFIX", "ce"))}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env("STATIC_ROOT", str(BASE_DIR / "staticfiles"))
# STATIC_MANIFEST=true (the container image): hashed, compressed file names from `collectstatic`,
# cached forever by browsers. It needs `collectstatic` to have run, so it is off by default.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if envbool("STATIC_MANIFEST")
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Without collected files (STATIC_MANIFEST off), WhiteNoise serves from the apps' static folders.
WHITENOISE_USE_FINDERS = not envbool("STATIC_MANIFEST")

# Celery: JSON only. The embedded default broker is kombu's filesystem transport: it needs no
# server, and web and worker share it through a folder. Production sets Redis or RabbitMQ.
# The transport looks for new tasks every `polling_interval` seconds (kombu's default, 1 s, is a
# second a user waits after pressing Explain); at 0.05 s an idle worker measured 0.4 % of a core
# (0.05 % at 1 s).
BROKER_DIR = Path(env("BROKER_DIR", str(BASE_DIR / ".cache" / "broker")))
CELERY_BROKER_URL = env("CELERY_BROKER_URL", "filesystem://")
CELERY_BROKER_TRANSPORT_OPTIONS = (
    {"data_folder_in": str(BROKER_DIR / "queue"), "data_folder_out": str(BROKER_DIR / "queue"),
     "processed_folder": str(BROKER_DIR / "processed"), "control_folder": str(BROKER_DIR / "control"),
     "store_processed": False, "polling_interval": float(env("BROKER_POLLING_SECONDS", "0.05"))}
    if CELERY_BROKER_URL.startswith("filesystem://")
    else {}
)  # fmt: skip
# The sweeper finishes reports whose worker died (brokers do not all redeliver such tasks).
RESOLVER_SWEEP_SECONDS = envint("RESOLVER_SWEEP_SECONDS", 60)
CELERY_BEAT_SCHEDULE = {
    "sweep-stale-reports": {"task": "conflicts.sweep_stale", "schedule": float(RESOLVER_SWEEP_SECONDS)}
}
CELERY_TASK_TIME_LIMIT = envint("CELERY_TASK_TIME_LIMIT", 600)
CELERY_TASK_SOFT_TIME_LIMIT = envint("CELERY_TASK_SOFT_TIME_LIMIT", 540)
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# A task is acknowledged when it ends, and given back to the broker when its worker process is
# killed: the redelivered copy is harmless, as `run.claim` runs a report only from "queued" and
# the Report row (with the sweeper) stays the source of truth.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Redis redelivers a task not acknowledged within this many seconds. It must exceed the longest
# wait of a task held by a worker: a webhook retry waits up to an hour, a resolution runs at most
# CELERY_TASK_TIME_LIMIT. A shorter one would run such tasks twice.
if CELERY_BROKER_URL.split("://")[0] in {"redis", "rediss", "sentinel"}:
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": envint("CELERY_VISIBILITY_TIMEOUT", 7200),
        "socket_connect_timeout": 5,
        "socket_timeout": 10,
        # Look for tasks of dead workers (unacknowledged past the visibility timeout) every 10 s,
        # not kombu's default of every 100 s (10 s times a throttle of 10).
        "unacked_restore_interval": 10,
        "unacked_restore_throttle": 1,
    }

# The resolver: which index to use and what a run may cost.
# PIP_INDEX_URL is read as pip and the wheels proxy read it; more indexes are separated by spaces.
RESOLVER_INDEX_URLS = env("PIP_INDEX_URL").split()
# Without PIP_INDEX_URL the default index is the bundled offline snapshot (`manage.py
# snapshot_index` makes it): conflicts.indexes unpacks it lazily into OFFLINE_INDEX_DIR (default:
# $XDG_CACHE_HOME/conflict-explorer/offline-index-<hash>), never at import time.
OFFLINE_INDEX_ARCHIVE = env("OFFLINE_INDEX_ARCHIVE", str(BASE_DIR / "data" / "offline-index.tar.xz"))
OFFLINE_INDEX_DIR = env("OFFLINE_INDEX_DIR") or None
# Without PIP_INDEX_URL, ask pip which index it uses on this server and offer it beside the
# snapshot; it becomes the default when it answers a HEAD within 2 s (asked once per process).
RESOLVER_ASK_PIP = envbool("RESOLVER_ASK_PIP", "True")
RESOLVER_PROBE_PIP_INDEX = envbool("RESOLVER_PROBE_PIP_INDEX", "True")
RESOLVER_ALLOWED_INDEX_HOSTS = envlist("RESOLVER_ALLOWED_INDEX_HOSTS")
RESOLVER_ALLOW_PRIVATE_INDEXES = envbool("RESOLVER_ALLOW_PRIVATE_INDEXES")
# HTTPS_PROXY/HTTP_PROXY/ALL_PROXY/NO_PROXY are honoured as pip honours them, for the index and the
# webhooks; a proxy they name is connected to only if listed here (http://host:port or host:port).
RESOLVER_ALLOWED_PROXIES = envlist("RESOLVER_ALLOWED_PROXIES")
# A private CA for the index (pip's PIP_CERT); default: the CA bundle shipped with certifi.
RESOLVER_CA_BUNDLE = env("RESOLVER_CA_BUNDLE") or env("PIP_CERT") or env("SSL_CERT_FILE") or None
RESOLVER_DEFAULT_PYTHON = env("RESOLVER_DEFAULT_PYTHON", "3.11")
RESOLVER_DEFAULT_PLATFORM = env("RESOLVER_DEFAULT_PLATFORM", "manylinux_2_28_x86_64")
# Their defaults are the engine's (resolver/limits.py, resolver/index/limits.py), as the CLI's are.
RESOLVER_MAX_ROUNDS = envint("RESOLVER_MAX_ROUNDS", Limits.max_rounds)
RESOLVER_MAX_SECONDS = envint("RESOLVER_MAX_SECONDS", int(Limits.max_seconds))
RESOLVER_MAX_REQUESTS = envint("RESOLVER_MAX_REQUESTS", IndexLimits.max_requests)
# The explanations after a failed resolution (smallest clash, every conflict, proven fixes) re-resolve
# the input many times; their budget per report, and how many extra targets one report may ask for.
RESOLVER_ANALYSIS_SECONDS = envint("RESOLVER_ANALYSIS_SECONDS", 60)
RESOLVER_ANALYSIS_RESOLUTIONS = envint("RESOLVER_ANALYSIS_RESOLUTIONS", 120)
ANALYSIS_MAX_TARGETS = envint("ANALYSIS_MAX_TARGETS", 8)
# The index cache shared by the workers of one machine (metadata by hash, pages with a TTL).
RESOLVER_CACHE_DIR = env("RESOLVER_CACHE_DIR", str(BASE_DIR / ".cache" / "index"))
# RESOLVER_CACHE_URL=redis://host:6379/2 shares that cache between the workers of every machine
# instead (resolver/index/rediscache.py); RESOLVER_CACHE_DIR is then unused.
RESOLVER_CACHE_URL = env("RESOLVER_CACHE_URL")
RESOLVER_CACHE_KEY_PREFIX = env("RESOLVER_CACHE_KEY_PREFIX", "ce-index:")
RESOLVER_CACHE_MAX_VALUE_BYTES = envint("RESOLVER_CACHE_MAX_VALUE_BYTES", 4 * 1024 * 1024)
RESOLVER_CACHE_TIMEOUT = float(env("RESOLVER_CACHE_TIMEOUT", "2"))
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
# Form posts that make a report, per client address (REMOTE_ADDR: behind a proxy, have it set
# that to the client's), counted in the shared cache like API_THROTTLE.
FORM_THROTTLE = env("FORM_THROTTLE", "20/min")
# The largest request body accepted; the upload limits above apply to each file within it.
API_MAX_BODY_BYTES = envint("API_MAX_BODY_BYTES", 6 * 1024 * 1024)
# Completion webhooks go only to these hosts (exact names, no wildcards); none by default.
API_WEBHOOK_ALLOWED_HOSTS = envlist("API_WEBHOOK_ALLOWED_HOSTS")
# The key of webhook signatures (Standard Webhooks; whsec_<base64> or any text); when empty, a
# secret per token derived from SECRET_KEY, printed by create_api_token.
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
    "loggers": {"config.cache": {"filters": ["cache_outage"]}},
    "filters": {"cache_outage": {"()": "config.cache.OncePerPeriod"}},
}
# A Redis outage is logged by django-redis (IGNORE_EXCEPTIONS, config/envurls.py) under this name,
# where config.cache.OncePerPeriod lets one warning through every 30 s.
DJANGO_REDIS_LOGGER = "config.cache"
DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
