"""A static simple index served over real HTTP on loopback, as devpi or a wheels proxy would.

It negotiates PEP 691 JSON against PEP 503 HTML on `Accept`, answers single byte ranges (so the
wheel range-request path is exercised), counts requests, and can add latency or fail on purpose.
Pages carry an `ETag` and a `Last-Modified`, and a matching `If-None-Match` or `If-Modified-Since`
gets a bodiless 304 (`validators` names the ones sent: `()` for neither); `page_headers` are
added to every page answer, 304s included, and `file_headers` to every file answer (the caching
headers under test); `statuses` counts the answers given.
With `credentials=(user, password)`, a request without that HTTP Basic authorization gets a 401.
"""

from __future__ import annotations

import base64
import email.utils
import hashlib
import re
import ssl
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

JSON_TYPE = "application/vnd.pypi.simple.v1+json"
HTML_TYPE = "text/html"

# A fault hook gets the request path and returns (status, body) to answer instead, or None; it may
# add a third element, a dict of extra headers (a `Location` for a redirect, say).
Fault = Callable[[str], tuple[int, bytes] | tuple[int, bytes, dict[str, str]] | None]


@dataclass
class IndexServer:
    root: Path
    latency: float = 0.0
    ranges: bool = True
    fault: Fault | None = None
    validators: tuple[str, ...] = ("etag", "last-modified")
    page_headers: dict[str, str] = field(default_factory=dict)
    file_headers: dict[str, str] = field(default_factory=dict)
    credentials: tuple[str, str] | None = None
    requests: Counter[str] = field(default_factory=Counter)
    statuses: Counter[int] = field(default_factory=Counter)
    url: str = ""

    @property
    def simple_url(self) -> str:
        return f"{self.url}/simple/"

    def total_requests(self) -> int:
        return sum(self.requests.values())


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def _handler(server: IndexServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:  # quiet tests
            pass

        def do_GET(self) -> None:
            path = unquote(urlsplit(self.path).path)
            server.requests[path] += 1
            if server.latency:
                time.sleep(server.latency)
            if server.credentials and self.headers.get("Authorization") != _basic(*server.credentials):
                self._send(401, b"unauthorized", "text/plain")
                return
            if server.fault and (answer := server.fault(path)) is not None:
                status, body, *extra = answer
                self._send(status, body, "text/plain", extra[0] if extra else None)
                return
            target = (server.root / path.lstrip("/")).resolve()
            if server.root.resolve() not in target.parents and target != server.root.resolve():
                self._send(404, b"not found", "text/plain")
                return
            if target.is_dir():
                self._send_page(target)
            elif target.is_file():
                self._send_file(target)
            else:
                self._send(404, b"not found", "text/plain")

        def _send_page(self, directory: Path) -> None:
            json_page, html_page = directory / "index.json", directory / "index.html"
            wants_json = JSON_TYPE in (self.headers.get("Accept") or "")
            if json_page.exists() and (wants_json or not html_page.exists()):
                self._send_validated(json_page, JSON_TYPE)
            elif html_page.exists():
                self._send_validated(html_page, "text/html; charset=utf-8")
            else:
                self._send(404, b"not found", "text/plain")

        def _send_validated(self, page: Path, content_type: str) -> None:
            body = page.read_bytes()
            extra = dict(server.page_headers)
            if not server.validators:
                self._send(200, body, content_type, extra)
                return
            etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
            mtime = int(page.stat().st_mtime)
            try:
                since = email.utils.parsedate_to_datetime(self.headers.get("If-Modified-Since", "")).timestamp()
            except (TypeError, ValueError):
                since = None
            if "etag" in server.validators:
                extra["ETag"] = etag
            if "last-modified" in server.validators:
                extra["Last-Modified"] = email.utils.formatdate(mtime, usegmt=True)
            matches = self.headers.get("If-None-Match") if "etag" in server.validators else None
            if "last-modified" not in server.validators:
                since = None
            if (matches is not None and etag in matches) or (matches is None and since and mtime <= since):
                self.send_response(304)
                server.statuses[304] += 1
                for name, value in extra.items():
                    self.send_header(name, value)
                self.end_headers()
                return
            self._send(200, body, content_type, extra)

        def _send_file(self, path: Path) -> None:
            data = path.read_bytes()
            wanted = self.headers.get("Range")
            match = re.fullmatch(r"bytes=(\d*)-(\d*)", wanted or "")
            if server.ranges and match and (match[1] or match[2]):
                size = len(data)
                if match[1]:
                    start = int(match[1])
                    end = min(int(match[2]) if match[2] else size - 1, size - 1)
                else:
                    start, end = max(0, size - int(match[2])), size - 1
                self.send_response(206)
                server.statuses[206] += 1
                self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
                self.send_header("Accept-Ranges", "bytes")
                for name, value in server.file_headers.items():
                    self.send_header(name, value)
                self._finish(data[start : end + 1], "application/octet-stream")
                return
            self._send(200, data, "application/octet-stream", dict(server.file_headers))

        def _send(self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            server.statuses[status] += 1
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            if server.ranges:
                self.send_header("Accept-Ranges", "bytes")
            self._finish(body, content_type)

        def _finish(self, body: bytes, content_type: str) -> None:
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler


@contextmanager
def serve_index(root: Path, tls: ssl.SSLContext | None = None, **options: object) -> Iterator[IndexServer]:
    """Serve `root` (the parent of `simple/` and `files/`) on an ephemeral loopback port; over
    https with a `tls` server context."""
    state = IndexServer(root=root, **options)  # type: ignore[arg-type]
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    httpd.daemon_threads = True
    if tls is not None:
        httpd.socket = tls.wrap_socket(httpd.socket, server_side=True)
    state.url = f"{'https' if tls else 'http'}://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()
