"""Service URLs from the environment turned into Django settings: DATABASE_URL, CACHE_URL.

One URL per service is what hosting platforms and compose files hand out, and it keeps a
password in one variable. dj-database-url reads the database URL and django-redis is the cache;
what is ours is the narrowing to what this app ships drivers for, the defaults (short timeouts,
SQLite's locking options) and an error that names the variable and the forms accepted, so that a
URL that cannot be used stops start-up instead of falling back silently to a default.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote, urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

POSTGRES_SCHEMES = {"postgres", "postgresql", "pgsql"}
REDIS_SCHEMES = {"redis", "rediss", "unix"}
DATABASE_FORMS = "expected postgres://user:password@host:5432/name or sqlite:///path/to/db.sqlite3"

# The embedded default: the web server and the worker write to the same file, so wait for locks
# and let readers go on while one writes.
SQLITE_OPTIONS = {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}


def sqlite_database(path: str) -> dict[str, Any]:
    return {"ENGINE": "django.db.backends.sqlite3", "NAME": path, "OPTIONS": dict(SQLITE_OPTIONS)}


def database_from_url(url: str, *, conn_max_age: int | None = None, variable: str = "DATABASE_URL") -> dict[str, Any]:
    """A `DATABASES` entry from `postgres://user:pass@host:port/name?sslmode=require` or
    `sqlite:///relative/path`, `sqlite:////absolute/path`.

    Query parameters of a PostgreSQL URL are libpq connection options (`sslmode`,
    `connect_timeout`, ...). `conn_max_age` (None: 60 s for PostgreSQL, 0 for SQLite) keeps
    connections open between requests, checked before reuse so a restarted server costs no error.
    """
    url = url.strip()
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in POSTGRES_SCHEMES | {"sqlite"}:
        raise ImproperlyConfigured(
            f"{variable}: unsupported scheme {scheme + '://' if scheme else repr(url)}; {DATABASE_FORMS}"
        )
    # dj-database-url reads a bare sqlite:// as an in-memory database: here it is a missing file.
    if scheme == "sqlite" and parts.netloc != ":memory:" and not unquote(parts.path).lstrip("/"):
        raise ImproperlyConfigured(f"{variable}: a sqlite URL needs a file: sqlite:///db.sqlite3")
    max_age = (60 if scheme in POSTGRES_SCHEMES else 0) if conn_max_age is None else conn_max_age
    try:
        database: dict[str, Any] = dict(
            dj_database_url.parse(url, conn_max_age=max_age, conn_health_checks=max_age != 0)
        )
    except ValueError as error:  # dj-database-url's ParseError: a port that is not a number, ...
        raise ImproperlyConfigured(f"{variable}: {error}; {DATABASE_FORMS}") from None
    if scheme == "sqlite":
        database["OPTIONS"] = {**SQLITE_OPTIONS, **database.get("OPTIONS", {})}
        return database
    if not database["NAME"]:
        raise ImproperlyConfigured(f"{variable}: name the database: postgres://user:password@host:5432/NAME")
    database["OPTIONS"] = {"connect_timeout": 5, **database.get("OPTIONS", {})}
    database["PORT"] = str(database["PORT"])
    return database


def cache_from_url(
    url: str, *, key_prefix: str = "", timeout: float = 2.0, variable: str = "CACHE_URL"
) -> dict[str, Any]:
    """A `CACHES` entry: `redis://[:password@]host:6379/0` (or `rediss://`, `unix://`) for a
    cache shared by every process, `locmem://` for one per process (the default).

    What the app keeps there can be lost (the API's request counts, drawn graphs), so a Redis
    outage costs the cache, not the request: django-redis's IGNORE_EXCEPTIONS makes reads miss and
    writes drop (logged by `config.cache`, at most once per 30 s). Socket timeouts are short so
    that a slow cache holds no request for long.
    """
    scheme = urlsplit(url.strip()).scheme.lower()
    if scheme in REDIS_SCHEMES:
        return {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": url.strip(),
            "KEY_PREFIX": key_prefix,
            "OPTIONS": {
                "SOCKET_CONNECT_TIMEOUT": timeout,
                "SOCKET_TIMEOUT": timeout,
                "IGNORE_EXCEPTIONS": True,
            },
        }
    if scheme == "locmem" or not url.strip():
        return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "KEY_PREFIX": key_prefix}
    raise ImproperlyConfigured(
        f"{variable}: unsupported scheme {scheme + '://' if scheme else repr(url)}; "
        "expected redis://host:6379/0, rediss://, unix:///path/redis.sock or locmem://"
    )
