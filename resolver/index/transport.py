"""The one door to the outside: fetch a URL over http(s) or read it from a file:// path.

A transport makes exactly one request per call: no redirects, no retries, no caching (the index
client decides about those). Bodies are read in chunks and abandoned as soon as they pass
`max_bytes`, so an untrusted server cannot make us hold more than the limit. Tests and other
programs can swap in their own object with the same `fetch`/`close` methods.
"""

from __future__ import annotations

import base64
import functools
import os
import re
import threading
import time
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import quote, unquote, urlsplit

from resolver.index.proxy import Proxy, ProxyRefused, environment_proxies, proxy_for

if TYPE_CHECKING:
    import ssl

JSON_TYPE = "application/vnd.pypi.simple.v1+json"
HTML_TYPE = "text/html"
CHUNK = 64 * 1024
# A body still arriving this many read timeouts after the request is abandoned: a server that
# drips a byte at a time never trips the read timeout, and would hold a worker until its time limit.
WHOLE_ANSWER_TIMEOUTS = 4
USER_AGENT = "conflict-explorer (+resolver.index.client)"
_LIST_HEADERS = frozenset({"cache-control", "pragma"})
_PATH_SAFE = "/%:@!$&'()*+,;=-._~"  # what a path may hold as is; anything else (non-ASCII) is quoted
Origin = tuple[str, str, int, Proxy | None]  # scheme, host, port, and the proxy reaching them


class TransportError(Exception):
    """The server could not be reached or stopped answering (worth retrying)."""


class TooLarge(Exception):
    """The body passed `limit` bytes; reading stopped there."""

    def __init__(self, limit: int, received: int) -> None:
        super().__init__(f"more than {limit} bytes")
        self.limit = limit
        self.received = received


@dataclass
class Response:
    url: str
    status: int
    headers: Mapping[str, str] = field(default_factory=dict)  # names lower-cased
    body: bytes = b""

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


class Transport(Protocol):
    def fetch(
        self,
        url: str,
        *,
        headers: Mapping[str, str],
        max_bytes: int,
        auth: tuple[str, str] | None = None,
    ) -> Response:
        """One request for `url` (without credentials); raise TransportError or TooLarge."""
        ...

    def close(self) -> None: ...


@functools.cache
def _ssl_context(ca_bundle: str | None = None) -> ssl.SSLContext:
    """One verifying TLS context per CA bundle and process: loading a bundle costs about 0.1 s.

    `ca_bundle` is for indexes behind a private CA (pip's `--cert`/PIP_CERT); default: certifi's.
    """
    import ssl

    import certifi

    return ssl.create_default_context(cafile=ca_bundle or certifi.where())


class HttpTransport:
    """http(s) over the standard library's http.client, with kept-alive connections per origin.

    Every thread of the index client shares it; each request takes an idle connection to its
    origin (or opens one, at most `max_connections` in use at once) and gives it back once the
    answer is read whole, so a resolution's hundreds of requests reuse a few connections (HTTP/1.1
    keep-alive) instead of paying a TCP and TLS handshake each. Bodies in gzip or deflate are
    decoded as they arrive, and `max_bytes` bounds the decoded size.

    Proxies come from the environment as pip reads them (`resolver.index.proxy`): through one, a
    plain request is sent to the proxy in absolute form and an https one through a CONNECT tunnel;
    the vetted address of the target is then not used (the proxy resolves the name), and the
    proxy itself must pass `allow_proxy`. `proxies` replaces the environment's (tests, callers).

    It replaced an httpx client: that library and its dependencies cost a cold CLI run a tenth of
    a second to import and a fifth of its memory, for a use this small. The app's webhooks use it
    too (`send`), so both go out the same way, proxies included.
    """

    def __init__(
        self,
        timeout: float,
        *,
        max_connections: int = 16,
        ca_bundle: str | None = None,
        connect_address: Callable[[str], str | None] | None = None,
        proxies: Mapping[str, str] | None = None,
        allow_proxy: Callable[[str], bool] | None = None,
    ) -> None:
        # `connect_address(host)`: the address a vetted name must be reached at (see
        # `resolver.index.egress`), so no second DNS answer can send the connection elsewhere.
        self._connect_address = connect_address
        self._proxies = dict(environment_proxies() if proxies is None else proxies)
        self._allow_proxy = allow_proxy
        self._timeout = timeout
        self._ca_bundle = ca_bundle
        self._slots = threading.BoundedSemaphore(max(1, max_connections))
        self._idle: dict[Origin, list[Any]] = {}
        self._lock = threading.Lock()
        self._closed = False

    def fetch(
        self,
        url: str,
        *,
        headers: Mapping[str, str],
        max_bytes: int,
        auth: tuple[str, str] | None = None,
    ) -> Response:
        return self.send("GET", url, headers=headers, max_bytes=max_bytes, auth=auth)

    def send(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str],
        max_bytes: int,
        auth: tuple[str, str] | None = None,
        body: bytes | None = None,
    ) -> Response:
        """One request; ProxyRefused when the proxy the environment names for it may not be used."""
        import http.client

        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"unsupported URL: {url}")
        try:
            port = parts.port or (443 if scheme == "https" else 80)
        except ValueError as error:
            raise ValueError(f"unsupported URL: {error}") from error
        proxy = proxy_for(url, self._proxies)
        if proxy is not None and self._allow_proxy is not None and not self._allow_proxy(proxy.url):
            raise ProxyRefused(f"the proxy {proxy.shown} is not allowed by the egress policy")
        origin = (scheme, parts.hostname, port, proxy)
        target = quote(parts.path or "/", safe=_PATH_SAFE) + (f"?{parts.query}" if parts.query else "")
        sent = {"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate", **headers}
        if proxy is not None and scheme == "http":  # a forward proxy: the whole URL, its credentials
            target = f"http://{parts.netloc.rpartition('@')[2]}{target}"
            if proxy.authorization:
                sent["Proxy-Authorization"] = proxy.authorization
        if auth is not None:
            sent["Authorization"] = "Basic " + base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode("ascii")
        with self._slots:
            for attempt in (0, 1):
                connection, reused = self._connection(origin)
                deadline = time.monotonic() + self._timeout * WHOLE_ANSWER_TIMEOUTS
                try:
                    connection.request(method, target, body=body, headers=sent)
                    answer = connection.getresponse()
                    response = self._read(url, answer, max_bytes, deadline)
                except (TooLarge, TransportError):
                    connection.close()
                    raise
                except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError) as error:
                    connection.close()
                    if reused and attempt == 0:
                        continue  # the server closed a kept-alive connection: one fresh try, as browsers do
                    raise TransportError(_describe(error)) from error
                except (OSError, http.client.HTTPException, zlib.error) as error:
                    connection.close()
                    raise TransportError(_describe(error)) from error
                if answer.will_close:
                    connection.close()
                else:
                    self._release(origin, connection)
                return response
        raise AssertionError("unreachable")  # pragma: no cover

    def _connection(self, origin: Origin) -> tuple[Any, bool]:
        import http.client

        with self._lock:
            idle = self._idle.get(origin)
            if idle:
                return idle.pop(), True
        scheme, host, port, proxy = origin
        # Through a proxy the socket goes to the proxy; an https target is then tunnelled (CONNECT),
        # with TLS and its SNI for the target as without one.
        peer, peer_port = (proxy.host, proxy.port) if proxy is not None else (host, port)
        connection: http.client.HTTPConnection
        if scheme == "https":
            context = _ssl_context(self._ca_bundle)
            connection = http.client.HTTPSConnection(peer, peer_port, timeout=self._timeout, context=context)
            if proxy is not None:
                tunnel = {"Proxy-Authorization": proxy.authorization} if proxy.authorization else None
                connection.set_tunnel(host, port, headers=tunnel)
        else:
            connection = http.client.HTTPConnection(peer, peer_port, timeout=self._timeout)
        if proxy is not None:
            return connection, False
        address = self._connect_address(host) if self._connect_address is not None else None
        if address is not None:  # the socket goes to the vetted address; Host and SNI keep the name
            connection._create_connection = functools.partial(_connect_to, address)  # type: ignore[attr-defined]  # a private hook of http.client, not in its stubs
        return connection, False

    def _release(self, origin: Origin, connection: Any) -> None:
        with self._lock:
            if not self._closed:
                self._idle.setdefault(origin, []).append(connection)
                return
        connection.close()

    def _read(self, url: str, answer: Any, max_bytes: int, deadline: float) -> Response:
        headers: dict[str, str] = {}
        for name, value in answer.getheaders():
            name = name.lower()
            # A list header sent twice is one list (RFC 9110); for the others the last one counts.
            joined = name in _LIST_HEADERS and name in headers
            headers[name] = f"{headers[name]}, {value}" if joined else value
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > max_bytes and answer.status < 300:
            raise TooLarge(max_bytes, 0)
        encoding = headers.get("content-encoding", "").strip().lower()
        decoder = _decoder(encoding)
        body = bytearray()
        received = 0
        # read1: what has arrived, not a fixed size (which would wait for it whatever the deadline).
        while chunk := answer.read1(CHUNK):
            received += len(chunk)
            if time.monotonic() > deadline:
                seconds = self._timeout * WHOLE_ANSWER_TIMEOUTS
                raise TransportError(f"the answer took longer than {seconds:g} seconds")
            if decoder is not None:
                chunk = decoder.decompress(chunk, max_bytes + 1 - len(body))
            body += chunk
            if len(body) > max_bytes:
                raise TooLarge(max_bytes, len(body))
        if declared.isdigit() and received < int(declared) and answer.status not in (204, 304):
            # http.client returns a body cut short by a closed connection as if it were whole.
            raise TransportError(f"the answer was cut short: {received} of {declared} bytes")
        answer.read()  # read1 never marks the answer finished: this frees the connection for the next
        if decoder is not None:
            body += decoder.flush()
            if len(body) > max_bytes:
                raise TooLarge(max_bytes, len(body))
            headers.pop("content-encoding", None)  # what we return is decoded
        return Response(url=url, status=answer.status, headers=headers, body=bytes(body))

    def close(self) -> None:
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, {}
        for connections in idle.values():
            for connection in connections:
                connection.close()


def _connect_to(address: str, destination: tuple[str, int], *args: Any, **kwargs: Any) -> Any:
    import socket

    return socket.create_connection((address, destination[1]), *args, **kwargs)


def _decoder(encoding: str) -> Any:
    if encoding in ("", "identity"):
        return None
    if encoding in ("gzip", "x-gzip"):
        return zlib.decompressobj(16 + zlib.MAX_WBITS)
    if encoding == "deflate":
        return zlib.decompressobj()
    raise TransportError(f"unsupported Content-Encoding {encoding!r}")


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__


class FileTransport:
    """file:// URLs, read as pip reads a local index.

    A directory serves `index.json` when JSON was asked for and it exists, else `index.html`, else
    `index.json`. Single byte ranges are honoured, so a wheel is read like over HTTP: only the
    parts needed. A page carries an `ETag` made of its file's name, modification time (in
    nanoseconds) and size, and no freshness: the index client revalidates it on every use, and a
    matching `If-None-Match` gets a bodiless 304 for the price of a stat, so a page rewritten in
    place (a new upload to a directory index) is read again, even within the same second.
    """

    def fetch(
        self,
        url: str,
        *,
        headers: Mapping[str, str],
        max_bytes: int,
        auth: tuple[str, str] | None = None,
    ) -> Response:
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost"):
            return Response(url=url, status=404)
        from urllib.request import url2pathname  # with http.client and email: 10 MB, for file:// only

        path = Path(url2pathname(unquote(parts.path)))
        wanted = {k.lower(): v for k, v in headers.items()}
        if path.is_dir():
            return self._page(url, path, wanted, max_bytes)
        if not path.is_file():
            return Response(url=url, status=404)
        return self._file(url, path, wanted.get("range"), max_bytes)

    def _page(self, url: str, directory: Path, wanted: dict[str, str], max_bytes: int) -> Response:
        json_page, html_page = directory / "index.json", directory / "index.html"
        if json_page.is_file() and (JSON_TYPE in wanted.get("accept", "") or not html_page.is_file()):
            page, kind = json_page, JSON_TYPE
        elif html_page.is_file():
            page, kind = html_page, "text/html; charset=utf-8"
        else:
            return Response(url=url, status=404)
        try:
            status = page.stat()
        except OSError:
            return Response(url=url, status=404)
        etag = f'"{page.name}-{status.st_mtime_ns}-{status.st_size}"'
        if etag in wanted.get("if-none-match", ""):
            return Response(url, 304, {"etag": etag})
        return Response(url, 200, {"content-type": kind, "etag": etag}, _read(page, 0, None, max_bytes))

    def _file(self, url: str, path: Path, wanted: str | None, max_bytes: int) -> Response:
        size = path.stat().st_size
        import mimetypes

        kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        match = re.fullmatch(r"bytes=(\d*)-(\d*)", (wanted or "").strip())
        if match and (match[1] or match[2]) and size:
            if match[1]:
                start = int(match[1])
                end = min(int(match[2]) if match[2] else size - 1, size - 1)
            else:
                start, end = max(0, size - int(match[2])), size - 1
            if start > end:
                return Response(url, 416, {"content-range": f"bytes */{size}"})
            headers = {"content-type": kind, "content-range": f"bytes {start}-{end}/{size}"}
            return Response(url, 206, headers, _read(path, start, end + 1 - start, max_bytes))
        return Response(url, 200, {"content-type": kind}, _read(path, 0, None, max_bytes))

    def close(self) -> None:
        pass


def _read(path: Path, start: int, length: int | None, max_bytes: int) -> bytes:
    """Read `length` bytes (None: to the end) from `start`, refusing more than `max_bytes`."""
    try:
        with path.open("rb") as handle:
            available = os.fstat(handle.fileno()).st_size - start
            length = available if length is None else min(length, available)
            if length > max_bytes:
                raise TooLarge(max_bytes, 0)
            handle.seek(start)
            return handle.read(length)
    except OSError as error:
        raise TransportError(f"cannot read {path.name}: {error.strerror or error}") from error
