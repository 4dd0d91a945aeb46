"""Real Redis servers for the deployment tests.

`TEST_REDIS_URL` names the Redis to use (CI sets it, and then an unreachable server fails the
tests); unset, redis://127.0.0.1:6379/11 is tried and the tests skip, saying why, when it does
not answer. Each test gets its own key prefix and deletes its keys. `redis_server` starts a
private `redis-server` on a free port, for the tests that stop and restart it.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.redis import RedisServer, redis_url


@pytest.fixture
def redis_client():
    import redis

    url = redis_url()
    client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as error:
        if os.environ.get("TEST_REDIS_URL"):
            raise AssertionError(f"TEST_REDIS_URL={url} does not answer: {error}") from error
        pytest.skip(f"no Redis at {url} ({error}); set TEST_REDIS_URL to require one")
    yield client
    client.close()


@pytest.fixture
def redis_prefix(redis_client) -> Iterator[str]:
    prefix = f"test-{uuid.uuid4().hex[:12]}:"
    yield prefix
    keys = list(redis_client.scan_iter(match=prefix + "*", count=500))
    if keys:
        redis_client.delete(*keys)


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    if shutil.which("redis-server") is None:
        if os.environ.get("TEST_REDIS_URL"):
            raise AssertionError("TEST_REDIS_URL is set but redis-server is not installed")
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    server = RedisServer(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()
