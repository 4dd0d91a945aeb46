"""The shared Redis index cache: the cache protocol, its limits, and what an outage does.

Against real Redis servers: the one named by TEST_REDIS_URL (database 11 by default) under a
key prefix of each test's own, and private redis-server processes that the outage tests stop.
"""

from __future__ import annotations

import logging
import socket
import threading
import time

import pytest

from resolver.index.rediscache import RedisCache


def test_round_trip_with_and_without_expiry(redis_client, redis_prefix: str) -> None:
    cache = RedisCache("redis://unused", prefix=redis_prefix, client=redis_client)
    assert cache.get("meta:sha256:abc") is None
    cache.set("meta:sha256:abc", b'{"version": "1.0"}')
    cache.set("page:https://index.example/simple/django/", b"{}", ttl=600)
    assert cache.get("meta:sha256:abc") == b'{"version": "1.0"}'
    assert cache.get("page:https://index.example/simple/django/") == b"{}"
    # Metadata by file hash is kept until evicted, pages for the time the client gives.
    assert redis_client.ttl(cache.key("meta:sha256:abc")) == -1
    assert 590 <= redis_client.ttl(cache.key("page:https://index.example/simple/django/")) <= 600


def test_entries_expire(redis_client, redis_prefix: str) -> None:
    cache = RedisCache("redis://unused", prefix=redis_prefix, client=redis_client)
    cache.set("page:u", b"x", ttl=0.2)
    assert cache.get("page:u") == b"x"
    time.sleep(0.35)
    assert cache.get("page:u") is None


def test_keys_are_prefixed_and_hashed(redis_client, redis_prefix: str) -> None:
    cache = RedisCache("redis://unused", prefix=redis_prefix, client=redis_client)
    cache.set("page:https://user.example/simple/secret-project/", b"x", ttl=60)
    keys = [key.decode() for key in redis_client.scan_iter(match=redis_prefix + "*")]
    assert len(keys) == 1
    assert keys[0].startswith(redis_prefix + "page:")
    assert "secret-project" not in keys[0] and "user.example" not in keys[0]
    other = RedisCache("redis://unused", prefix=redis_prefix + "other:", client=redis_client)
    assert other.get("page:https://user.example/simple/secret-project/") is None


def test_values_over_the_limit_are_not_stored(redis_client, redis_prefix: str) -> None:
    cache = RedisCache("redis://unused", prefix=redis_prefix, client=redis_client, max_value_bytes=100)
    cache.set("meta:big", b"x" * 101)
    cache.set("meta:small", b"x" * 100)
    assert cache.get("meta:big") is None
    assert cache.get("meta:small") == b"x" * 100


def test_two_clients_share_entries(redis_client, redis_prefix: str) -> None:
    from tests.support.redis import redis_url

    writer = RedisCache(redis_url(), prefix=redis_prefix)
    reader = RedisCache(redis_url(), prefix=redis_prefix)
    writer.set("meta:sha256:f00", b"shared")
    assert reader.get("meta:sha256:f00") == b"shared"


def test_a_server_that_refuses_costs_no_error_and_one_warning(caplog: pytest.LogCaptureFixture) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    cache = RedisCache(f"redis://127.0.0.1:{port}/0", timeout=0.5, retry_after=60)
    with caplog.at_level(logging.WARNING, logger="resolver.index.rediscache"):
        assert cache.get("meta:a") is None
        cache.set("meta:a", b"x")
        assert cache.get("meta:a") is None
        assert cache.ping() is False
    warnings = [r for r in caplog.records if "shared index cache is unavailable" in r.getMessage()]
    assert len(warnings) == 1
    assert "ConnectionError" in warnings[0].getMessage()


def test_a_server_that_hangs_is_given_up_after_the_timeout_then_skipped() -> None:
    """A Redis that accepts and never answers costs one timeout, not one per lookup."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.05)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except (TimeoutError, OSError):
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        cache = RedisCache(f"redis://127.0.0.1:{listener.getsockname()[1]}/0", timeout=0.3, retry_after=60)
        started = time.monotonic()
        assert cache.get("meta:a") is None
        first = time.monotonic() - started
        started = time.monotonic()
        for index in range(200):
            assert cache.get(f"meta:{index}") is None
            cache.set(f"meta:{index}", b"x")
        rest = time.monotonic() - started
    finally:
        stop.set()
        thread.join(timeout=2)
        for conn in held:
            conn.close()
        listener.close()
    assert 0.25 <= first < 2.0
    assert rest < 0.1  # 400 calls during the back-off: none waits for the server


def test_an_outage_then_recovery(redis_server, caplog: pytest.LogCaptureFixture) -> None:
    cache = RedisCache(redis_server.url, timeout=0.5, retry_after=0.3)
    cache.set("meta:before", b"1")
    assert cache.get("meta:before") == b"1"
    redis_server.stop()
    with caplog.at_level(logging.WARNING, logger="resolver.index.rediscache"):
        assert cache.get("meta:before") is None
        cache.set("meta:during", b"2")
        redis_server.start()  # a fresh, empty server on the same port
        assert cache.get("meta:during") is None  # still backing off
        time.sleep(0.4)
        cache.set("meta:after", b"3")
        assert cache.get("meta:after") == b"3"
    messages = [r.getMessage() for r in caplog.records]
    assert sum("unavailable" in m for m in messages) == 1
    assert sum("available again" in m for m in messages) == 1
