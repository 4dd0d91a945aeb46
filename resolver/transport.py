"""The one door to the outside: fetch a URL over http(s) or read it from a file:// path.

A transport makes exactly one request per call: no redirects, no retries, no caching (the index
client decides about those). Bodies are read in chunks and abandoned as soon as they pass
`max_bytes`, so an untrusted server cannot make us hold more than the limit. Tests and other
programs can swap in their own object with the same `fetch`/`close` methods.
"""

from __future__ import annotations

import functools
import mimetypes
import os
import re
import ssl
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

if TYPE_CHECKING:
    import httpx

JSON_TYPE = "application/vnd.pypi.simple.v1+json"
HTML_TYPE = "text/html"
CHUNK = 64 * 1024


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
    import certifi

    return ssl.create_default_context(cafile=ca_bundle or certifi.where())


class HttpTransport:
    """http(s) through one `httpx.Client`, shared by every thread of the index client.

    httpx is imported with the first request, not with the module: a warm run that finds every
    page fresh in its cache makes no request, and importing httpx cost it a seventh of a second.
    """

    def __init__(self, timeout: float, *, max_connections: int = 16, ca_bundle: str | None = None) -> None:
        self._timeout = timeout
        self._ca_bundle = ca_bundle
        self._max_connections = max_connections
        self._client: httpx.Client | None = None
        self._lock = threading.Lock()

    def _http(self) -> httpx.Client:
        import httpx

        with self._lock:
            if self._client is None:
                self._client = httpx.Client(
                    timeout=httpx.Timeout(self._timeout),
                    verify=_ssl_context(self._ca_bundle),
                    follow_redirects=False,
                    limits=httpx.Limits(max_connections=self._max_connections),
                    headers={"User-Agent": "conflict-explorer (+resolver.index)"},
                    trust_env=False,
                )
            return self._client

    def fetch(
        self,
        url: str,
        *,
        headers: Mapping[str, str],
        max_bytes: int,
        auth: tuple[str, str] | None = None,
    ) -> Response:
        client = self._http()
        import httpx

        try:
            with client.stream("GET", url, headers=dict(headers), auth=auth) as answer:
                declared = answer.headers.get("content-length", "")
                if declared.isdigit() and int(declared) > max_bytes and answer.status_code < 300:
                    raise TooLarge(max_bytes, 0)
                body = bytearray()
                for chunk in answer.iter_bytes(CHUNK):
                    body += chunk
                    if len(body) > max_bytes:
                        raise TooLarge(max_bytes, len(body))
                return Response(
                    url=url,
                    status=answer.status_code,
                    headers={k.lower(): v for k, v in answer.headers.items()},
                    body=bytes(body),
                )
        except httpx.UnsupportedProtocol as error:
            raise ValueError(f"unsupported URL: {error}") from error
        except (httpx.TransportError, httpx.DecodingError) as error:
            raise TransportError(f"{type(error).__name__}: {error}" if str(error) else type(error).__name__) from error

    def close(self) -> None:
        with self._lock:
            if self._client is not None:
                self._client.close()
                self._client = None


class FileTransport:
    """file:// URLs, read as pip reads a local index.

    A directory serves `index.json` when JSON was asked for and it exists, else `index.html`, else
    `index.json`. Single byte ranges are honoured, so a wheel is read like over HTTP: only the
    parts needed.
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
        path = Path(url2pathname(unquote(parts.path)))
        wanted = {k.lower(): v for k, v in headers.items()}
        if path.is_dir():
            return self._page(url, path, wanted.get("accept", ""), max_bytes)
        if not path.is_file():
            return Response(url=url, status=404)
        return self._file(url, path, wanted.get("range"), max_bytes)

    def _page(self, url: str, directory: Path, accept: str, max_bytes: int) -> Response:
        json_page, html_page = directory / "index.json", directory / "index.html"
        if json_page.is_file() and (JSON_TYPE in accept or not html_page.is_file()):
            return Response(url, 200, {"content-type": JSON_TYPE}, _read(json_page, 0, None, max_bytes))
        if html_page.is_file():
            body = _read(html_page, 0, None, max_bytes)
            return Response(url, 200, {"content-type": "text/html; charset=utf-8"}, body)
        return Response(url=url, status=404)

    def _file(self, url: str, path: Path, wanted: str | None, max_bytes: int) -> Response:
        size = path.stat().st_size
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
