"""The integration suite: real worker processes on PostgreSQL and Redis (`make integration`).

Its tests are marked `integration` and skipped unless DATABASE_URL names a PostgreSQL database
and CELERY_BROKER_URL a Redis broker: the database is dropped and created again, so give it one
of its own (CI uses ce_integration on 127.0.0.1 and Redis database 12). The embedded-defaults
test (SQLite and the filesystem broker) runs with them, as it is as slow as they are.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from tests.support.server import IndexServer, serve_index
from tests.support.stack import Stack, chain_universe
from tests.support.universe import build_index

NEEDS = (
    "integration test: needs DATABASE_URL=postgres://... (a database of its own: it is dropped and "
    "created again) and CELERY_BROKER_URL=redis://...; `make integration` sets both"
)


def services_missing() -> bool:
    database = os.environ.get("DATABASE_URL", "")
    broker = os.environ.get("CELERY_BROKER_URL", "")
    return not (database.startswith(("postgres://", "postgresql://")) and broker.startswith("redis://"))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if services_missing():
        skip = pytest.mark.skip(reason=NEEDS)
        for item in items:
            if "integration" in item.keywords:
                item.add_marker(skip)


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """DATABASE_URL, emptied and migrated once per session."""
    import psycopg

    url = os.environ["DATABASE_URL"]
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    maintenance = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(maintenance, autocommit=True, connect_timeout=5) as db:
        db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        db.execute(f'CREATE DATABASE "{name}"')
    Stack({"DATABASE_URL": url}, Path(".")).migrate()
    return url


@pytest.fixture(scope="session")
def redis_broker_url() -> str:
    """CELERY_BROKER_URL, emptied once per session (no queue left over from an earlier run)."""
    import redis

    url = os.environ["CELERY_BROKER_URL"]
    client = redis.Redis.from_url(url, socket_timeout=5)
    client.flushdb()
    client.close()
    return url


@pytest.fixture
def slow_index(tmp_path: Path) -> Iterator[IndexServer]:
    """A chain of 8 projects behind 0.5 s per request: a resolution of at least 8 seconds."""
    build_index(tmp_path / "index", chain_universe(8))
    with serve_index(tmp_path / "index", latency=0.5) as server:
        yield server


def base_env(tmp_path: Path, index: IndexServer) -> dict[str, str]:
    """What every process of a stack shares: short stale and sweep intervals, a private cache."""
    return {
        "PIP_INDEX_URL": index.simple_url,
        "RESOLVER_CACHE_DIR": str(tmp_path / "index-cache"),
        "RESOLVER_STALE_SECONDS": "4",  # a heartbeat every second
        "RESOLVER_SWEEP_SECONDS": "5",
        "CELERY_VISIBILITY_TIMEOUT": "10",
        "LOG_LEVEL": "INFO",
    }


@pytest.fixture
def stacks() -> Iterator[list[Stack]]:
    """Stacks whose workers are stopped after the test, whatever happened."""
    made: list[Stack] = []
    yield made
    for stack in made:
        stack.stop()
