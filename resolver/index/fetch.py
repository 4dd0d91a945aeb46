"""How the index client asks for a URL: policy, credentials, redirects, retries, limits, counting.

`Fetcher.get` is the single place where a request is decided on. It vets every URL (redirect
targets included) with `allow_url` before anything is sent, follows redirects by hand, retries
5xx answers, connection errors and timeouts with a short backoff, counts requests and bytes
against the limits, and shows URLs in errors and logs with their passwords replaced by `****`.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable, Mapping
from urllib.parse import unquote, urljoin, urlsplit, urlunsplit

from resolver.errors import IndexAccessError, IndexNotAllowed, LimitReached
from resolver.index.limits import IndexLimits, IndexStats
from resolver.index.proxy import ProxyRefused
from resolver.index.transport import Response, TooLarge, Transport, TransportError
from resolver.index.urls import redact

logger = logging.getLogger("resolver.index.client")

MAX_REDIRECTS = 5
REDIRECTS = frozenset({301, 302, 303, 307, 308})
Origin = tuple[str, str, int | None]


def strip_credentials(url: str) -> tuple[str, tuple[str, str] | None]:
    """`url` without its user:password part, and that part as (user, password) if there was one."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url, None
    userinfo, _, hostport = parts.netloc.rpartition("@")
    user, _, password = userinfo.partition(":")
    clean = urlunsplit((parts.scheme, hostport, parts.path, parts.query, parts.fragment))
    return clean, (unquote(user), unquote(password))


def origin(url: str) -> Origin:
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = None
    return parts.scheme.lower(), (parts.hostname or "").lower(), port


class Fetcher:
    """Sends GETs through `transports` (by URL scheme) under `limits`, counting into `stats`."""

    def __init__(
        self,
        transports: Mapping[str, Transport],
        limits: IndexLimits,
        stats: IndexStats,
        allow_url: Callable[[str], bool] | None = None,
    ) -> None:
        self.transports = dict(transports)
        self.limits = limits
        self.stats = stats
        self._allow_url = allow_url
        self._lock = threading.Lock()
        self._credentials: dict[Origin, tuple[str, str]] = {}
        self._userinfo: dict[Origin, str] = {}  # as the user wrote it, to show it redacted

    def add_credentials(self, url: str) -> str:
        """Remember the credentials of an index URL for its origin; return the URL without them.

        Files on the same scheme, host and port get them too, as pip does; other hosts never do.
        """
        clean, auth = strip_credentials(url)
        if auth is not None:
            self._credentials[origin(clean)] = auth
            self._userinfo[origin(clean)] = urlsplit(url).netloc.rpartition("@")[0]
        return clean

    def shown(self, url: str) -> str:
        """`url` as errors and logs show it: with the index's user name, never its password."""
        parts = urlsplit(url)
        userinfo = self._userinfo.get(origin(url))
        if userinfo is not None and "@" not in parts.netloc:
            url = urlunsplit((parts.scheme, f"{userinfo}@{parts.netloc}", parts.path, parts.query, parts.fragment))
        return redact(url)

    def auth_tag(self, url: str) -> str:
        """A suffix for cache keys, so entries fetched with different credentials stay apart."""
        auth = self._credentials.get(origin(url))
        if auth is None:
            return ""
        return "#auth=" + hashlib.sha256("\0".join(auth).encode()).hexdigest()[:16]

    def get(
        self, url: str, headers: Mapping[str, str], max_bytes: int, limit: str | None = None
    ) -> tuple[Response, str]:
        """GET `url`, following redirects by hand; return the response and the URL that gave it.

        `limit` says in errors what a body over `max_bytes` passed ("the page size limit (N
        bytes)"); it defaults to naming `max_bytes` alone. Any status other
        than a redirect or a 5xx is returned for the caller to judge.
        """
        first = url
        limit = limit or f"the limit of {max_bytes} bytes"
        for _hop in range(MAX_REDIRECTS + 1):
            if self._allow_url is not None and not self._allow_url(strip_credentials(url)[0]):
                shown = self.shown(url)
                raise IndexNotAllowed(f"{shown} is not an allowed index URL; it was not fetched", url=shown)
            response = self._send(url, headers, max_bytes, limit)
            if response.status not in REDIRECTS:
                return response, url
            location = response.header("location")
            target = urljoin(url, location) if location else ""
            if urlsplit(target).scheme not in ("http", "https"):
                shown = self.shown(url)
                raise IndexAccessError(
                    f"{shown} redirected to an unusable location {self.shown(target)!r}",
                    url=shown,
                    status=response.status,
                )
            logger.debug("%s redirected to %s", self.shown(url), self.shown(target))
            url = target
        shown = self.shown(first)
        raise IndexAccessError(f"{shown} redirected more than {MAX_REDIRECTS} times", url=shown)

    def expect(self, response: Response, url: str, status: int) -> None:
        """Raise IndexAccessError unless `response` has `status`."""
        if response.status != status:
            shown = self.shown(url)
            raise IndexAccessError(f"{shown} answered HTTP {response.status}", url=shown, status=response.status)

    def count(self, *, requests: int = 0, cache_hits: int = 0, bytes: int = 0) -> None:
        """Add to the stats; LimitReached instead if `requests` would pass the limit."""
        with self._lock:
            if requests and self.stats.requests + requests > self.limits.max_requests:
                raise LimitReached(
                    f"the index client reached its limit of {self.limits.max_requests} requests",
                    limit="requests",
                    value=self.limits.max_requests,
                )
            self.stats.requests += requests
            self.stats.cache_hits += cache_hits
            self.stats.bytes += bytes

    def close(self) -> None:
        for transport in {id(t): t for t in self.transports.values()}.values():
            transport.close()

    def _send(self, url: str, headers: Mapping[str, str], max_bytes: int, limit: str) -> Response:
        """One GET, retried with backoff on 5xx, connection errors and timeouts."""
        shown = self.shown(url)
        transport = self.transports.get(urlsplit(url).scheme.lower())
        if transport is None:
            raise IndexAccessError(f"{shown}: unsupported URL scheme", url=shown)
        clean, auth = strip_credentials(url)
        auth = auth or self._credentials.get(origin(clean))
        attempts = 1 + max(0, self.limits.retries)
        problem, status = "", None
        for attempt in range(attempts):
            if attempt:
                backoff = self.limits.backoff
                time.sleep(backoff[min(attempt - 1, len(backoff) - 1)] if backoff else 0)
            self.count(requests=1)
            logger.debug("GET %s", shown)
            try:
                response = transport.fetch(clean, headers=headers, max_bytes=max_bytes, auth=auth)
            except TooLarge as error:
                self.count(bytes=error.received)
                raise IndexAccessError(f"{shown} is larger than {limit}", url=shown) from None
            except ProxyRefused as error:
                raise IndexNotAllowed(f"{shown} was not fetched: {error}", url=shown) from None
            except TransportError as error:
                problem, status = str(error), None
                logger.warning("%s: %s (attempt %d of %d)", shown, problem, attempt + 1, attempts)
                continue
            self.count(bytes=len(response.body))
            if response.status < 500:
                return response
            problem, status = f"HTTP {response.status}", response.status
            logger.warning("%s: %s (attempt %d of %d)", shown, problem, attempt + 1, attempts)
        raise IndexAccessError(
            f"{shown} could not be read: {problem} (after {attempts} attempt{'s' if attempts > 1 else ''})",
            url=shown,
            status=status,
        )
