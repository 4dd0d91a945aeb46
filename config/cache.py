"""Django's Redis cache, made to miss rather than fail while Redis is unreachable.

What the app keeps in Django's cache can be lost: the API's request counts (a lost count lets a
few requests through) and drawn graphs (a miss redraws). So a Redis outage must not turn pages
and API calls into 500s: reads miss, writes are dropped, `incr` answers as for a missing key
(the throttle then starts a new count), and a warning is logged at most every 30 seconds.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from django.core.cache.backends.redis import RedisCache
from redis import RedisError

logger = logging.getLogger(__name__)

WARN_EVERY = 30.0
_last_warning = 0.0
_lock = threading.Lock()


def _warn(operation: str, error: BaseException) -> None:
    global _last_warning
    with _lock:
        now = time.monotonic()
        if now - _last_warning < WARN_EVERY:
            return
        _last_warning = now
    logger.warning(
        "the cache is unavailable (%s on %s: %s); going on without it", type(error).__name__, operation, error
    )


def _or(fallback: Callable[..., Any]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Run the operation; on a Redis error, warn and answer `fallback(*args, **kwargs)`."""

    def decorate(method: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(method)
        def wrapper(self: ResilientRedisCache, *args: Any, **kwargs: Any) -> Any:
            try:
                return method(self, *args, **kwargs)
            except RedisError as error:
                _warn(method.__name__, error)
                return fallback(*args, **kwargs)

        return wrapper

    return decorate


def _missing_key(key: Any, *args: Any, **kwargs: Any) -> Any:
    raise ValueError(f"Key {key!r} not found (the cache is unavailable).")


class ResilientRedisCache(RedisCache):
    @_or(lambda key, default=None, *args, **kwargs: default)
    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        return super().get(key, default, version)

    @_or(lambda *args, **kwargs: False)
    def add(self, *args: Any, **kwargs: Any) -> bool:
        return super().add(*args, **kwargs)

    @_or(lambda *args, **kwargs: None)
    def set(self, *args: Any, **kwargs: Any) -> None:
        return super().set(*args, **kwargs)

    @_or(lambda *args, **kwargs: False)
    def touch(self, *args: Any, **kwargs: Any) -> bool:
        return super().touch(*args, **kwargs)

    @_or(lambda *args, **kwargs: False)
    def delete(self, *args: Any, **kwargs: Any) -> bool:
        return super().delete(*args, **kwargs)

    @_or(lambda *args, **kwargs: {})
    def get_many(self, *args: Any, **kwargs: Any) -> dict[Any, Any]:
        return super().get_many(*args, **kwargs)

    @_or(lambda *args, **kwargs: False)
    def has_key(self, *args: Any, **kwargs: Any) -> bool:
        return super().has_key(*args, **kwargs)

    @_or(_missing_key)
    def incr(self, *args: Any, **kwargs: Any) -> int:
        return super().incr(*args, **kwargs)

    @_or(lambda data, *args, **kwargs: list(data))
    def set_many(self, *args: Any, **kwargs: Any) -> list[Any]:
        return super().set_many(*args, **kwargs)

    @_or(lambda *args, **kwargs: None)
    def delete_many(self, *args: Any, **kwargs: Any) -> None:
        return super().delete_many(*args, **kwargs)

    @_or(lambda *args, **kwargs: False)
    def clear(self) -> bool:
        return super().clear()  # type: ignore[return-value]  # its client's bool; django-stubs says BaseCache's None
