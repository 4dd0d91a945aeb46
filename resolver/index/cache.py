"""Caches for the index client: bytes under string keys, with an optional time to live, and the
HTTP rules (RFC 9111) that decide how long an index's answer may be reused.

Anything with `get(key) -> bytes | None` and `set(key, value, ttl)` will do (`rediscache` is one).
A cache is an optimisation: a failing one loses entries, never answers.

The rules are those of a private cache that never serves a stale answer. `no-store` is never
stored; `no-cache` is stored but revalidated before each use; `max-age` (less the `Age` already
spent upstream), else `Expires` (against `Date`), says how long an answer is fresh. `private`,
`public` and `s-maxage` concern shared caches: every entry is keyed by the index URL and the
credentials used, so it is only ever reused for the same requester. `must-revalidate` asks what we
always do: a stale answer is revalidated, and if the index fails, the failure is reported rather
than the old page used. An answer without any freshness information is fresh for no time at all:
RFC 9111 lets a cache guess a lifetime from `Last-Modified` (pip's HTTP cache does), but an index
page changes at the moment of an upload whatever its age, and a resolution that misses a release
just published to a private index is wrong; a revalidation with the page's validators costs one
bodiless 304. An answer with neither a lifetime nor a validator is therefore not kept at all.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

logger = logging.getLogger(__name__)


class Cache(Protocol):
    def get(self, key: str) -> bytes | None:
        """The value stored under `key`, or None if absent or expired."""
        ...

    def set(self, key: str, value: bytes, ttl: float | None = None) -> None:
        """Store `value` under `key` for `ttl` seconds (None: until evicted)."""
        ...


class MemoryCache:
    """A dict in this process, safe to share between threads."""

    def __init__(self) -> None:
        self._items: dict[str, tuple[bytes, float | None]] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> bytes | None:
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return None
            value, expires = item
            if expires is not None and time.monotonic() >= expires:
                del self._items[key]
                return None
            return value

    def set(self, key: str, value: bytes, ttl: float | None = None) -> None:
        expires = None if ttl is None else time.monotonic() + ttl
        with self._lock:
            self._items[key] = (value, expires)

    def __len__(self) -> int:
        return len(self._items)


# -- HTTP freshness ------------------------------------------------------------------------------

PAGE_KEEP = 7 * 24 * 3600.0  # how long a stale answer with validators is kept, for revalidation
RUN_KEEP = 3600.0  # how long an answer with neither lifetime nor validator is kept, for its own run
_DIRECTIVE = re.compile(r"""\s*([^\s=,]+)\s*(?:=\s*("(?:[^"\\]|\\.)*"|[^\s,]*))?\s*(?:,|$)""")


@dataclass(frozen=True)
class Freshness:
    storable: bool  # False under no-store
    expires: float  # Unix time until which the answer may be used without asking the index
    validators: dict[str, str]  # the conditional request's headers (If-None-Match, If-Modified-Since)

    def keep_for(self, now: float) -> float:
        """Seconds a store should hold the answer: while fresh, then a week more if it can be
        revalidated; with neither, long enough for the run that fetched it to reuse it."""
        lifetime = self.expires - now
        if self.validators:
            return max(PAGE_KEEP, lifetime)
        return lifetime if lifetime > 0 else RUN_KEEP


def directives(value: str | None) -> dict[str, str]:
    """`Cache-Control` as {lower-case name: value ('' when it has none)}; the first of a name wins."""
    found: dict[str, str] = {}
    for match in _DIRECTIVE.finditer(value or ""):
        found.setdefault(match[1].lower(), (match[2] or "").strip('"'))
    return found


def freshness(headers: Mapping[str, str], now: float) -> Freshness:
    """How an answer with these (lower-case) headers, received at `now`, may be reused."""
    control = directives(headers.get("cache-control"))
    validators = {}
    if headers.get("etag"):
        validators["If-None-Match"] = headers["etag"]
    if headers.get("last-modified"):
        validators["If-Modified-Since"] = headers["last-modified"]
    return Freshness("no-store" not in control, now + _lifetime(headers, control, now), validators)


def _lifetime(headers: Mapping[str, str], control: dict[str, str], now: float) -> float:
    """Seconds the answer stays fresh from `now`; 0 when it must be revalidated before any reuse."""
    if "no-cache" in control or "no-store" in control:
        return 0.0
    if "cache-control" not in headers and "no-cache" in (headers.get("pragma") or "").lower():
        return 0.0  # the HTTP/1.0 spelling, which RFC 9111 lets a cache honour
    age = _seconds(headers.get("age")) or 0.0
    if "max-age" in control:
        seconds = _seconds(control["max-age"])
        return 0.0 if seconds is None else max(0.0, seconds - age)  # an invalid max-age means stale
    if "expires" in headers:
        expires = _date(headers["expires"])
        if expires is None:
            return 0.0  # "Expires: 0" and other invalid dates mean already expired
        date = _date(headers.get("date")) or now
        return max(0.0, expires - date - age)
    return 0.0


def _seconds(value: str | None) -> float | None:
    value = (value or "").strip()
    return float(value) if value.isdigit() else None


def _date(value: str | None) -> float | None:
    if not value:
        return None
    import email.utils  # 15 ms to import, for the answers that carry an Expires: a warm run reads none

    try:
        return email.utils.parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
