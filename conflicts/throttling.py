"""Fixed-window rate limits counted in Django's cache, shared by the API (per token) and the web
form (per client address).

The cache is the one all web processes share when CACHE_URL names Redis, so a limit holds across
processes; with the default per-process cache it holds per process only.
"""

from __future__ import annotations

import math
import time

from django.core.cache import cache

PERIODS = {"s": 1, "sec": 1, "second": 1, "m": 60, "min": 60, "minute": 60, "h": 3600, "hour": 3600, "d": 86400,
           "day": 86400}  # fmt: skip


def parse_rate(rate: str) -> tuple[int, int]:
    """Requests per window and the window in seconds: "60/min" is (60, 60)."""
    count, _, period = rate.partition("/")
    return int(count), PERIODS[period.strip().lower()]


def over_limit(key: str, rate: str) -> int | None:
    """Count one request for `key`; past the limit, the seconds until the window ends, else None."""
    limit, period = parse_rate(rate)
    now = time.time()
    window = int(now // period)
    entry = f"throttle:{key}:{window}"
    cache.add(entry, 0, timeout=period + 1)
    try:
        count = cache.incr(entry)
    except ValueError:  # the entry expired between add and incr
        cache.set(entry, 1, timeout=period + 1)
        count = 1
    if count is None or count <= limit:  # None: the cache is down (django-redis ignores it), nothing counts
        return None
    return max(1, math.ceil((window + 1) * period - now))
