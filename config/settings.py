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

# Celery: JSON only; the embedded default broker needs no server.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", "memory://")
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1

# The resolver: which index to use and what a run may cost.
# PIP_INDEX_URL is read as pip and the wheels proxy read it; more indexes are separated by spaces.
RESOLVER_INDEX_URLS = env("PIP_INDEX_URL").split()
RESOLVER_ALLOWED_INDEX_HOSTS = envlist("RESOLVER_ALLOWED_INDEX_HOSTS")
# A private CA for the index (pip's PIP_CERT); default: the CA bundle shipped with certifi.
RESOLVER_CA_BUNDLE = env("RESOLVER_CA_BUNDLE") or env("PIP_CERT") or env("SSL_CERT_FILE") or None
RESOLVER_DEFAULT_PYTHON = env("RESOLVER_DEFAULT_PYTHON", "3.11")
RESOLVER_DEFAULT_PLATFORM = env("RESOLVER_DEFAULT_PLATFORM", "manylinux_2_28_x86_64")
RESOLVER_MAX_ROUNDS = envint("RESOLVER_MAX_ROUNDS", 20000)
RESOLVER_MAX_SECONDS = envint("RESOLVER_MAX_SECONDS", 300)
RESOLVER_MAX_REQUESTS = envint("RESOLVER_MAX_REQUESTS", 5000)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    # One line per index request is too much at INFO; the resolver logs what matters.
    "loggers": {"httpx": {"level": "WARNING"}, "httpcore": {"level": "WARNING"}},
}
