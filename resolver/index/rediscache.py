"""A Redis-backed index cache, so every worker on every machine reuses each other's fetches.

It keeps the protocol of `resolver.index.cache.Cache` (`get`, `set` with a time to live) and so the
index client's own policy, which is HTTP's (see `resolver.index.cache`): metadata keyed by a file's hash
is stored without expiry (a file never changes); a project page is stored with its expiry time
and validators inside the entry, and kept while fresh and a week more if it can be revalidated;
the client, not Redis, decides when a stored page may be used without asking the index. Redis
evicts: run it with `maxmemory` and `maxmemory-policy allkeys-lru`, in an instance apart from the
Celery broker's, whose queues must never be evicted.

Like every cache here it is an optimisation: when Redis is down or slow, lookups miss and writes
are dropped, one warning is logged, and no connection is tried again for `retry_after` seconds,
so an outage costs a report its cache, never its result nor a timeout per lookup.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from typing import Any

logger = logging.getLogger(__name__)


class RedisCache:
    """Bytes under `prefix + kind + sha256(key)`; values over `max_value_bytes` are not stored.

    Keys are hashed as the directory cache names its files: a key holds an index URL, and Redis
    key names are listed by anyone with access to the server. The part before the first ':'
    ("page", "meta") is kept readable for `redis-cli --scan`.
    """

    def __init__(
        self,
        url: str,
        *,
        prefix: str = "ce-index:",
        max_value_bytes: int = 4 * 1024 * 1024,
        timeout: float = 2.0,
        retry_after: float = 30.0,
        client: Any = None,
    ) -> None:
        self.prefix = prefix
        self.max_value_bytes = max_value_bytes
        self.retry_after = retry_after
        if client is None:
            import redis  # imported here: the library and the CLI run without it

            client = redis.Redis.from_url(
                url,
                socket_timeout=timeout,
                socket_connect_timeout=timeout,
                health_check_interval=30,
                retry_on_timeout=False,
            )
        self.client = client
        self._down_until = 0.0
        self._lock = threading.Lock()

    def key(self, key: str) -> str:
        kind, _, _ = key.partition(":")
        return f"{self.prefix}{kind}:{hashlib.sha256(key.encode()).hexdigest()}"

    def get(self, key: str) -> bytes | None:
        if self._is_down():
            return None
        try:
            value = self.client.get(self.key(key))
        except Exception as error:  # redis.RedisError and socket errors alike: never fail a lookup
            self._went_down(error)
            return None
        self._came_back()
        return value if isinstance(value, bytes) else None

    def set(self, key: str, value: bytes, ttl: float | None = None) -> None:
        if len(value) > self.max_value_bytes:
            logger.debug("not caching %s: %d bytes is over the %d-byte limit", key, len(value), self.max_value_bytes)
            return
        if ttl is not None and ttl <= 0:
            return
        if self._is_down():
            return
        try:
            if ttl is None:
                self.client.set(self.key(key), value)
            else:
                self.client.set(self.key(key), value, px=max(1, int(ttl * 1000)))
        except Exception as error:
            self._went_down(error)
            return
        self._came_back()

    def ping(self) -> bool:
        """True when Redis answers now (a health check; it ignores and resets the back-off)."""
        try:
            self.client.ping()
        except Exception as error:
            self._went_down(error)
            return False
        self._came_back()
        return True

    # -- outage handling ---------------------------------------------------------------------------

    def _is_down(self) -> bool:
        return self._down_until > time.monotonic()

    def _went_down(self, error: BaseException) -> None:
        with self._lock:
            first = self._down_until == 0.0
            self._down_until = time.monotonic() + self.retry_after
        if first:
            logger.warning(
                "the shared index cache is unavailable (%s: %s); resolving without it, next try in %.0f s",
                type(error).__name__,
                error,
                self.retry_after,
            )

    def _came_back(self) -> None:
        if self._down_until == 0.0:
            return
        with self._lock:
            was_down, self._down_until = self._down_until != 0.0, 0.0
        if was_down:
            logger.warning("the shared index cache is available again")
