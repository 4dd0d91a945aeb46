"""Which index cache the workers use: Redis shared by every machine, or a directory on this one.

`RESOLVER_CACHE_URL` (redis://...) makes every worker reuse the others' fetches; unset, the
directory `RESOLVER_CACHE_DIR` is shared by the workers of one machine. One Redis client (and its
connection pool) per process and configuration, reused by every report.
"""

from __future__ import annotations

import functools

from django.conf import settings

from resolver.index.cache import Cache
from resolver.index.diskcache import DirectoryCache
from resolver.index.rediscache import RedisCache


@functools.lru_cache(maxsize=4)
def _redis_cache(url: str, prefix: str, max_value_bytes: int, timeout: float) -> RedisCache:
    return RedisCache(url, prefix=prefix, max_value_bytes=max_value_bytes, timeout=timeout)


def shared_index_cache() -> RedisCache | None:
    if not settings.RESOLVER_CACHE_URL:
        return None
    return _redis_cache(
        settings.RESOLVER_CACHE_URL,
        settings.RESOLVER_CACHE_KEY_PREFIX,
        settings.RESOLVER_CACHE_MAX_VALUE_BYTES,
        settings.RESOLVER_CACHE_TIMEOUT,
    )


def index_cache() -> Cache:
    shared = shared_index_cache()
    return shared if shared is not None else DirectoryCache(settings.RESOLVER_CACHE_DIR)
