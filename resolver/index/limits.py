"""How much one index client may do, and what it counted: shared by the client and its fetcher.

Kept apart from the client so that `fetch` can name these types without importing the client.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class IndexLimits:
    timeout: float = 15.0  # seconds per request (connect and read)
    max_page_bytes: int = 20 * 1024 * 1024
    max_metadata_bytes: int = 2 * 1024 * 1024
    max_wheel_bytes: int = 50 * 1024 * 1024  # whole-wheel fallback when ranges are not served
    retries: int = 2  # on 5xx and timeouts, with backoff
    max_requests: int = 5000  # per client; LimitReached past it
    backoff: tuple[float, ...] = (0.2, 0.5)  # seconds before each retry; the last value repeats


@dataclass
class IndexStats:
    requests: int = 0
    cache_hits: int = 0
    bytes: int = 0
