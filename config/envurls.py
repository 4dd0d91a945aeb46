"""Service URLs from the environment turned into Django settings: DATABASE_URL, CACHE_URL.

One URL per service is what hosting platforms and compose files hand out, and it keeps a
password in one variable. A URL that cannot be used stops start-up with an error naming the
variable and the forms accepted, rather than falling back silently to a default.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

POSTGRES_SCHEMES = {"postgres", "postgresql", "pgsql"}
REDIS_SCHEMES = {"redis", "rediss", "unix"}

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
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme == "sqlite":
        path = unquote(parts.path[1:] if parts.path.startswith("/") else parts.path)
        if parts.netloc == ":memory:" or path == ":memory:":
            path = ":memory:"
        if not path:
            raise ImproperlyConfigured(f"{variable}: a sqlite URL needs a file: sqlite:///db.sqlite3")
        database = sqlite_database(path)
        max_age = 0 if conn_max_age is None else conn_max_age
    elif scheme in POSTGRES_SCHEMES:
        name = unquote(parts.path.lstrip("/"))
        if not name:
            raise ImproperlyConfigured(f"{variable}: name the database: postgres://user:password@host:5432/NAME")
        try:
            port = parts.port
        except ValueError as error:
            raise ImproperlyConfigured(
                f"{variable}: {error}; expected postgres://user:password@host:5432/name"
            ) from None
        options: dict[str, Any] = {"connect_timeout": 5}
        options.update(parse_qsl(parts.query))
        database = {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": name,
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            # A percent-encoded host is a Unix socket directory (postgres://%2Fvar%2Frun%2Fpostgresql/db).
            "HOST": unquote(parts.hostname or ""),
            "PORT": str(port or ""),
            "OPTIONS": options,
        }
        max_age = 60 if conn_max_age is None else conn_max_age
    else:
        raise ImproperlyConfigured(
            f"{variable}: unsupported scheme {scheme + '://' if scheme else repr(url)}; "
            "expected postgres://user:password@host:5432/name or sqlite:///path/to/db.sqlite3"
        )
    database["CONN_MAX_AGE"] = max_age
    database["CONN_HEALTH_CHECKS"] = max_age != 0
    return database


def cache_from_url(
    url: str, *, key_prefix: str = "", timeout: float = 2.0, variable: str = "CACHE_URL"
) -> dict[str, Any]:
    """A `CACHES` entry: `redis://[:password@]host:6379/0` (or `rediss://`, `unix://`) for a
    cache shared by every process, `locmem://` for one per process (the default).

    Socket timeouts are short: the cache counts API requests, and a slow cache must not hold a
    request for long.
    """
    scheme = urlsplit(url.strip()).scheme.lower()
    if scheme in REDIS_SCHEMES:
        return {
            "BACKEND": "config.cache.ResilientRedisCache",
            "LOCATION": url.strip(),
            "KEY_PREFIX": key_prefix,
            "OPTIONS": {"socket_connect_timeout": timeout, "socket_timeout": timeout},
        }
    if scheme == "locmem" or not url.strip():
        return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "KEY_PREFIX": key_prefix}
    raise ImproperlyConfigured(
        f"{variable}: unsupported scheme {scheme + '://' if scheme else repr(url)}; "
        "expected redis://host:6379/0, rediss://, unix:///path/redis.sock or locmem://"
    )
