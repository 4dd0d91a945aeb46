"""Settings from the environment: the embedded defaults, production, and the URLs they parse.

The settings module is read once per process, so each environment is tried in a fresh
`manage.py` subprocess with only the variables given (plus PATH), as a container would start.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.envurls import cache_from_url, database_from_url
from tests.support.deployment import ROOT, manage, production_env

SHOW_SETTINGS = """
import json
from django.conf import settings
print(json.dumps({
    "database": settings.DATABASES["default"],
    "cache": settings.CACHES["default"]["BACKEND"],
    "broker": settings.CELERY_BROKER_URL,
    "transport": settings.CELERY_BROKER_TRANSPORT_OPTIONS,
    "debug": settings.DEBUG,
    "storage": settings.STORAGES["staticfiles"]["BACKEND"],
    "resolver_cache_url": settings.RESOLVER_CACHE_URL,
}))
"""


@pytest.mark.slow
def test_check_deploy_is_clean_under_production_settings(tmp_path: Path) -> None:
    # The check needs no server: it reads settings only (the hosts above do not resolve).
    done = manage("check", "--deploy", "--fail-level", "WARNING", env=production_env(tmp_path), tmp_path=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues" in done.stdout


@pytest.mark.slow
def test_check_deploy_fails_when_a_protection_is_turned_off(tmp_path: Path) -> None:
    # The clean result above is not a check that cannot fail.
    env = {**production_env(tmp_path), "SECURE_HSTS_SECONDS": "0", "SESSION_COOKIE_SECURE": "false"}
    done = manage("check", "--deploy", "--fail-level", "WARNING", env=env, tmp_path=tmp_path)
    assert done.returncode != 0
    assert "security.W004" in done.stderr and "security.W012" in done.stderr


@pytest.mark.slow
def test_production_settings_use_the_urls(tmp_path: Path) -> None:
    done = manage("shell", "-c", SHOW_SETTINGS, env=production_env(tmp_path), tmp_path=tmp_path)
    assert done.returncode == 0, done.stderr
    shown = json.loads(done.stdout.strip().splitlines()[-1])
    assert shown["database"]["ENGINE"] == "django.db.backends.postgresql"
    assert (shown["database"]["HOST"], shown["database"]["NAME"]) == ("db.invalid", "conflicts")
    assert shown["database"]["CONN_MAX_AGE"] == 60 and shown["database"]["CONN_HEALTH_CHECKS"] is True
    assert shown["cache"] == "django_redis.cache.RedisCache"
    assert shown["transport"]["visibility_timeout"] == 7200
    assert shown["debug"] is False


@pytest.mark.slow
def test_the_embedded_defaults_still_boot(tmp_path: Path) -> None:
    """No variable at all: SQLite, the filesystem broker, locmem, the directory index cache."""
    env = {"SQLITE_PATH": str(tmp_path / "db.sqlite3")}
    done = manage("shell", "-c", SHOW_SETTINGS, env=env, tmp_path=tmp_path)
    assert done.returncode == 0, done.stderr
    shown = json.loads(done.stdout.strip().splitlines()[-1])
    assert shown["database"]["ENGINE"] == "django.db.backends.sqlite3"
    assert shown["database"]["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert shown["broker"] == "filesystem://" and "data_folder_in" in shown["transport"]
    assert shown["cache"] == "django.core.cache.backends.locmem.LocMemCache"
    assert shown["storage"] == "django.contrib.staticfiles.storage.StaticFilesStorage"
    assert shown["resolver_cache_url"] == "" and shown["debug"] is True
    migrated = manage("migrate", "--noinput", env=env, tmp_path=tmp_path)
    assert migrated.returncode == 0, migrated.stderr
    assert manage("check", env=env, tmp_path=tmp_path).returncode == 0


@pytest.mark.slow
def test_production_without_secret_key_fails_loudly(tmp_path: Path) -> None:
    env = {**production_env(tmp_path), "SECRET_KEY": ""}
    done = manage("check", env=env, tmp_path=tmp_path)
    assert done.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is false" in done.stderr


def test_every_variable_the_settings_read_is_documented() -> None:
    read = set(re.findall(r'\benv(?:bool|int|list)?\("([A-Z0-9_]+)"', (ROOT / "config" / "settings.py").read_text()))
    read |= set(re.findall(r'environ\.get\("([A-Z0-9_]+)"', (ROOT / "config" / "gunicorn.py").read_text()))
    read |= set(re.findall(r"\$\{([A-Z0-9_]+)", (ROOT / "compose.yaml").read_text()))
    documented = set(re.findall(r"^#? ?([A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), re.MULTILINE))
    assert read - documented == set()
    assert {"DATABASE_URL", "CACHE_URL", "RESOLVER_CACHE_URL", "CELERY_VISIBILITY_TIMEOUT", "WEB_PORT"} <= read


# -- the URL parsers -------------------------------------------------------------------------------


def test_postgres_url() -> None:
    database = database_from_url("postgres://app:p%40ss@db.example:6432/conflicts?sslmode=require")
    assert database["ENGINE"] == "django.db.backends.postgresql"
    assert (database["USER"], database["PASSWORD"], database["HOST"], database["PORT"]) == (
        "app",
        "p@ss",
        "db.example",
        "6432",
    )
    assert database["NAME"] == "conflicts"
    assert database["OPTIONS"] == {"connect_timeout": 5, "sslmode": "require"}
    assert (database["CONN_MAX_AGE"], database["CONN_HEALTH_CHECKS"]) == (60, True)
    assert database_from_url("postgresql://h/db", conn_max_age=0)["CONN_HEALTH_CHECKS"] is False
    socket = database_from_url("postgres://%2Fvar%2Frun%2Fpostgresql/db")
    assert socket["HOST"] == "/var/run/postgresql"


def test_sqlite_url() -> None:
    assert database_from_url("sqlite:///db.sqlite3")["NAME"] == "db.sqlite3"
    assert database_from_url("sqlite:////var/lib/ce/db.sqlite3")["NAME"] == "/var/lib/ce/db.sqlite3"
    database = database_from_url("sqlite:///db.sqlite3")
    assert database["OPTIONS"]["timeout"] == 20 and database["CONN_MAX_AGE"] == 0


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql://u@h/db", "DATABASE_URL: unsupported scheme mysql://"),
        ("postgres://u@h:5432/", "DATABASE_URL: name the database"),
        ("postgres://u@h:notaport/db", "DATABASE_URL: This string is not a valid url"),
        ("sqlite://", "DATABASE_URL: a sqlite URL needs a file"),
        ("db.sqlite3", "DATABASE_URL: unsupported scheme 'db.sqlite3'"),
    ],
)
def test_bad_database_urls_name_the_variable(url: str, message: str) -> None:
    with pytest.raises(ImproperlyConfigured) as raised:
        database_from_url(url)
    assert message in str(raised.value)


def test_cache_urls() -> None:
    redis = cache_from_url("redis://:pw@cache:6379/1", key_prefix="ce")
    assert redis["BACKEND"] == "django_redis.cache.RedisCache"
    assert redis["LOCATION"] == "redis://:pw@cache:6379/1" and redis["KEY_PREFIX"] == "ce"
    assert redis["OPTIONS"]["SOCKET_TIMEOUT"] == 2.0 and redis["OPTIONS"]["IGNORE_EXCEPTIONS"] is True
    assert cache_from_url("locmem://")["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"
    with pytest.raises(ImproperlyConfigured, match="CACHE_URL: unsupported scheme memcached://"):
        cache_from_url("memcached://h:11211")


@pytest.mark.parametrize("key", ["short-key", "a" * 60])
def test_production_with_a_weak_secret_key_does_not_start(tmp_path: Path, key: str) -> None:
    """Issue 14, item 10: the message said 50 characters, yet a 9-character key started the app."""
    env = {**production_env(tmp_path), "SECRET_KEY": key}
    done = manage("check", env=env, tmp_path=tmp_path)
    assert done.returncode != 0
    assert f"a random string of at least 50 characters (this one has {len(key)})" in done.stderr
